"""The execution page's actions over plain HTTP: each changes the execution as the API's
route would (kill, restart, replay from a task run, change a task run's state, resume with
onResume inputs, review an Approval, labels), is offered only when allowed, answers a
refusal with its reason on the page (never a 500), and needs the CSRF token. And what the
Overview shows: masked secrets, file inputs as links, the trigger, parent and children."""

from __future__ import annotations

import re

from podium.application import executions, flows, logs
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.ui.conftest import csrf_of, run_flow
from tests.waiting import wait_for

HTMX = {"HX-Request": "true"}

SLEEPY = """\
id: sleepy
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
"""

FAILING = """\
id: failing
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: went on
"""

PAUSING = """\
id: pausing
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: level
        type: INT
      - id: reason
        type: STRING
        defaults: none given
      - id: colours
        type: MULTISELECT
        values: [red, green, blue]
        required: false
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "level {{ outputs.wait.onResume.level + 1 }} because {{ outputs.wait.onResume.reason }}"
"""

APPROVING = """\
id: approving
namespace: company.team
tasks:
  - id: review
    type: io.kestra.plugin.core.flow.Approval
    commentRequired: ON_DENY
    inputs:
      - id: budget
        type: INT
"""

INPUTS = """\
id: with_inputs
namespace: company.team
inputs:
  - id: name
    type: STRING
  - id: password
    type: SECRET
  - id: data
    type: FILE
tasks:
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: little
    wait: true
"""

LITTLE = """\
id: little
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: small
"""


def page_of(execution) -> str:
    return f"/ui/executions/{execution.namespace}/{execution.flow_id}/{execution.id}"


def post(user, execution, action: str, **fields):
    """Post the page's form for `action`, with the CSRF token the page carries."""
    token = csrf_of(user.get(page_of(execution)).text)
    return user.post(f"{page_of(execution)}/{action}", data={"csrf_token": token, **fields},
                     follow_redirects=False)


def start(runtime, source: str, inputs=None):
    loaded = parse_flow(source)
    flows.deploy(runtime, loaded)
    return executions.submit(runtime, loaded.flow.namespace, loaded.flow.id, inputs)


def reach(runtime, execution_id: str, *states: State, timeout: float = 30):
    return wait_for(lambda: (e := executions.get(runtime, execution_id)) is not None
                    and e.state in states and e, timeout, f"state {states}")


def runs_of(runtime, execution_id: str) -> dict:
    return {run.task_id: run for run in executions.task_runs(runtime, execution_id)}


def test_kill_a_running_execution_then_restart_it(runtime, user):
    execution = start(runtime, SLEEPY)
    wait_for(lambda: runs_of(runtime, execution.id).get("nap"), what="the sleep to start")
    page = user.get(page_of(execution)).text
    assert 'id="action-kill"' in page and 'id="action-restart"' not in page
    done = post(user, execution, "kill")
    assert done.status_code == 303
    assert done.headers["location"] == page_of(execution) + "?notice=kill"
    assert "Kill requested" in user.get(done.headers["location"]).text
    reach(runtime, execution.id, State.KILLED)

    page = user.get(page_of(execution)).text
    assert 'id="action-kill"' not in page and 'id="action-restart"' in page
    refused = post(user, execution, "kill")
    assert refused.status_code == 409
    assert re.search(r'<p class="error" role="alert" id="execution-error">[^<]*already finished',
                     refused.text)

    assert post(user, execution, "restart").status_code == 303
    # Answered once the executor has applied it: the page it leads to shows the restart.
    assert executions.get(runtime, execution.id).attempt_number == 2
    restarted = reach(runtime, execution.id, State.RUNNING)
    assert restarted.attempt_number == 2
    assert post(user, execution, "kill").status_code == 303
    reach(runtime, execution.id, State.KILLED)


def test_restart_runs_the_failed_task_again(runtime, user):
    failed = run_flow(runtime, FAILING)
    assert failed.state is State.FAILED
    assert post(user, failed, "restart").status_code == 303
    again = wait_for(lambda: (e := executions.get(runtime, failed.id)).attempt_number == 2
                     and e.state.is_terminated and e, what="the restart to end")
    assert again.state is State.FAILED
    assert len(runs_of(runtime, failed.id)["boom"].attempts) == 2


def test_a_running_execution_refuses_restart_with_its_reason(runtime, user):
    execution = start(runtime, SLEEPY)
    refused = post(user, execution, "restart")
    assert refused.status_code == 400
    assert "must be terminated or paused to be restarted" in refused.text
    assert 'id="execution-state"' in refused.text  # the page, not a bare error
    post(user, execution, "kill")
    reach(runtime, execution.id, State.KILLED)


def test_change_a_failed_task_runs_state_and_the_execution_goes_on(runtime, user):
    failed = run_flow(runtime, FAILING)
    boom = runs_of(runtime, failed.id)["boom"]
    page = user.get(page_of(failed)).text
    assert f'id="state-{boom.id}"' in page
    assert post(user, failed, "state", taskRunId=boom.id, state="SUCCESS").status_code == 303
    done = reach(runtime, failed.id, State.SUCCESS)
    assert runs_of(runtime, done.id)["after"].state is State.SUCCESS
    refused = post(user, failed, "state", taskRunId=boom.id, state="RUNNING")
    assert refused.status_code == 400 and "can only be set to SUCCESS, FAILED, WARNING" \
        in refused.text


def test_replay_from_a_task_run_goes_to_the_new_execution(runtime, user):
    failed = run_flow(runtime, FAILING)
    boom = runs_of(runtime, failed.id)["boom"]
    done = post(user, failed, "replay", taskRunId=boom.id)
    assert done.status_code == 303
    new_id = done.headers["location"].rsplit("/", 1)[-1]
    assert new_id != failed.id
    assert done.headers["location"] == f"/ui/executions/company.team/failing/{new_id}"
    replayed = reach(runtime, new_id, State.FAILED)
    assert replayed.parent_id == failed.id
    # `first` came before the chosen run: copied, not run again.
    assert runs_of(runtime, new_id)["first"].attempts == runs_of(runtime, failed.id)[
        "first"].attempts
    page = user.get(page_of(replayed)).text
    assert f">{failed.id}</code></a>" in page  # the parent, linked
    assert new_id in user.get(page_of(failed)).text  # and the replay among its children


def test_replay_of_a_running_execution_is_refused(runtime, user):
    execution = start(runtime, SLEEPY)
    refused = post(user, execution, "replay")
    assert refused.status_code == 400 and "must be terminated to be replayed" in refused.text
    post(user, execution, "kill")


def test_resume_with_the_pauses_inputs(runtime, user):
    execution = start(runtime, PAUSING)
    reach(runtime, execution.id, State.PAUSED)
    page = user.get(page_of(execution)).text
    assert 'id="resume-form"' in page
    assert re.search(r'<input type="number" name="level" id="input-level"[^>]*required', page)
    assert 'name="reason" id="input-reason" value="none given"' in page
    assert 'name="colours[]" value="green"' in page
    token = csrf_of(page)
    # As the page's htmx form sends it: multipart, the token in the header.
    refused = user.post(f"{page_of(execution)}/resume", headers={**HTMX, "X-CSRF-Token": token},
                        files={"reason": (None, "")})
    assert refused.status_code == 422 and "level" in refused.text
    assert refused.text.startswith('<p class="error"')  # the fragment under the form
    done = user.post(f"{page_of(execution)}/resume", headers={**HTMX, "X-CSRF-Token": token},
                     files=[("level", (None, "41")), ("reason", (None, "")),
                            ("colours[]", (None, "green"))])
    assert done.status_code == 200
    assert done.headers["hx-redirect"] == page_of(execution) + "?notice=resume"
    reach(runtime, execution.id, State.SUCCESS)
    wait_run = runs_of(runtime, execution.id)["wait"]
    assert wait_run.outputs["onResume"] == {"level": 41, "reason": "none given",
                                            "colours": ["green"]}
    messages = [line.message for line in logs.lines(runtime, execution.id)]
    assert "level 42 because none given" in messages
    again = post(user, execution, "resume", level="1")
    assert again.status_code == 400 and "is not paused" in again.text


def test_review_an_approval(runtime, user):
    execution = start(runtime, APPROVING)
    reach(runtime, execution.id, State.PAUSED)
    page = user.get(page_of(execution)).text
    assert 'id="review-form"' in page and 'id="action-approve"' in page
    refused = post(user, execution, "review", decision="DENIED", budget="3")
    assert refused.status_code == 400 and "requires a comment" in refused.text
    assert post(user, execution, "review", decision="APPROVED",
                budget="3").status_code == 303
    reach(runtime, execution.id, State.SUCCESS)
    assert runs_of(runtime, execution.id)["review"].state is State.SUCCESS


def test_actions_need_the_csrf_token(runtime, user):
    execution = start(runtime, SLEEPY)
    for action in ("kill", "restart", "replay", "state", "resume", "review", "labels"):
        response = user.post(f"{page_of(execution)}/{action}", data={"taskRunId": "x"},
                             follow_redirects=False)
        assert response.status_code == 403, action
    assert not executions.get(runtime, execution.id).state.is_terminated  # not killed
    post(user, execution, "kill")


def test_labels_are_added_and_removed_once_ended(runtime, user):
    running = start(runtime, SLEEPY)
    refused = post(user, running, "labels", key="team", value="data")
    assert refused.status_code == 400 and "not terminated" in refused.text
    assert 'id="label-add"' not in refused.text
    post(user, running, "kill")

    ended = run_flow(runtime)
    assert post(user, ended, "labels", key="team", value="data <b>").status_code == 303
    assert post(user, ended, "labels", key="env", value="prod").status_code == 303
    assert own_labels(runtime, ended.id) == {"team": "data <b>", "env": "prod"}
    page = user.get(page_of(ended)).text
    assert "team:data &lt;b&gt;" in page and 'name="remove" value="env"' in page
    assert 'name="remove" value="system.' not in page  # Podium's own stay
    assert post(user, ended, "labels", remove="team").status_code == 303
    assert own_labels(runtime, ended.id) == {"env": "prod"}
    system = post(user, ended, "labels", remove="system.correlationId")
    assert system.status_code == 400 and "System labels" in system.text
    empty = post(user, ended, "labels", key=" ", value="x")
    assert empty.status_code == 422 and "A label needs a key" in empty.text


def own_labels(runtime, execution_id: str) -> dict:
    labels = executions.get(runtime, execution_id).label_map()
    return {k: v for k, v in labels.items() if not k.startswith("system.")}


def test_the_overview_masks_secrets_links_files_and_shows_the_family(runtime, user):
    flows.deploy(runtime, parse_flow(LITTLE))
    execution = start(runtime, INPUTS, {"name": "Ada <i>", "password": "hunter2",
                                        "data": b"some bytes"})
    done = executions.wait(runtime, execution.id, timeout=60)
    assert done.state is State.SUCCESS
    page = user.get(page_of(done)).text
    assert "hunter2" not in page and "******" in page
    assert "Ada &lt;i&gt;" in page
    # A FILE input downloads through the Outputs tab's route.
    link = re.search(r'<a href="([^"]+/outputs/download\?path=[^"]+)" class="file">([^<]+)</a>',
                     page)
    assert link is not None
    downloaded = user.get(link.group(1).replace("&amp;", "&"))
    assert downloaded.status_code == 200 and downloaded.content == b"some bytes"
    child = executions.children(runtime, done.id)[0]
    assert f'href="{page_of(child)}"' in page
    assert f'href="{page_of(done)}"' in user.get(page_of(child)).text  # its parent
    child_page = user.get(page_of(child)).text
    assert "io.kestra.plugin.core.flow.Subflow" in child_page  # its trigger


def test_an_ended_execution_offers_replay_not_kill(runtime, user):
    execution = run_flow(runtime)
    assert execution.state is State.SUCCESS
    page = user.get(page_of(execution)).text
    assert 'id="action-replay"' in page and "Replay from here" in page
    assert 'id="action-kill"' not in page and 'id="action-restart"' not in page
    assert 'id="label-add"' in page
