"""Podium plugin `email`: Kestra's io.kestra.plugin.email tasks (MailSend, MailExecution;
the older io.kestra.plugin.notifications.mail names resolve too), over SMTP with Python's
smtplib, email and ssl."""

from podium.sdk import Plugin
from podium_email.mail_execution import MailExecution
from podium_email.mail_send import MailSend

plugin = Plugin(
    name="email",
    title="Email",
    description="Send emails over SMTP (SMTPS, STARTTLS), with attachments from the "
                "internal storage, and execution summaries.",
    tasks=(MailSend, MailExecution),
)
