"""Kestra's @Example flows of AnsibleCLI (kestra-io/plugin-ansible), shown by the plugin API
and validated by the tests."""

from podium.sdk import Example

ANSIBLE_CLI = (
    Example(title='Execute a list of Ansible CLI commands to orchestrate an Ansible playbook stored in the Editor using [Namespace Files](https://kestra.io/docs/developer-guide/namespace-files).',
            code="""
id: ansible
namespace: company.team

tasks:
  - id: ansible_task
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    inputFiles:
      inventory.ini: "{{ read('inventory.ini') }}"
      myplaybook.yml: "{{ read('myplaybook.yml') }}"
    containerImage: cytopia/ansible:latest-tools
    commands:
      - ansible-playbook -i inventory.ini myplaybook.yml
"""),
    Example(title='Execute a list of Ansible CLI commands to orchestrate an Ansible playbook defined inline in the flow definition.',
            code="""
id: ansible
namespace: company.team

tasks:
  - id: ansible_task
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    inputFiles:
      inventory.ini: |
        localhost ansible_connection=local
      myplaybook.yml: |
        ---
        - hosts: localhost
          tasks:
            - name: Print Hello World
              debug:
                msg: "Hello, World!"
    containerImage: cytopia/ansible:latest-tools
    commands:
      - ansible-playbook -i inventory.ini myplaybook.yml
"""),
    Example(title='Execute an Ansible playbook and use ansible.builtin.debug command to extract outputs.',
            code="""
id: ansible_playbook_outputs
namespace: company.team

tasks:
  - id: ansible_playbook_outputs
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    outputLogFile: true
    inputFiles:
      playbook.yml: |
        ---
        - hosts: localhost
          tasks:
            - name: Create file
              shell: echo "Test output" >> greeting.txt

            - name: Register output file to var
              shell: cat greeting.txt
              register: myOutput

            - name: Print return information from the previous task
              ansible.builtin.debug:
                var: myOutput

            - name: Prints two lines of messages
              ansible.builtin.debug:
                msg:
                  - "Multiline message : line 1"
                  - "Multiline message : line 2"
    containerImage: cytopia/ansible:latest-tools
    commands:
      - ansible-playbook -i localhost -c local playbook.yml
"""),
    Example(title='Expose only explicitly declared playbook values as outputs. With `outputsMode: EXPLICIT`, the bundled `kestra` module declares which values become task outputs; raw per-host results are redacted from outputs and logs, so sensitive data fetched by the playbook is never leaked. The playbook is kept in flow variables without using the `render()` function, so that its Ansible Jinja expressions are not evaluated by Kestra.',
            code="""
id: ansible_explicit_outputs
namespace: company.team

variables:
  playbook: |
    ---
    - hosts: localhost
      tasks:
        - name: Fetch credentials needed by the automation
          ansible.builtin.set_fact:
            credential:
              username: svc-automation
              password: "not-for-kestra-outputs"

        - name: Do the work
          ansible.builtin.set_fact:
            records_updated: 3
          register: work_result

        - name: Declare what downstream tasks may see
          kestra:
            outputs:
              records_updated: "{{ records_updated }}"
              work_status: "{{ 'skipped' if work_result.skipped | default(false) else 'ok' }}"

tasks:
  - id: ansible_task
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    outputsMode: EXPLICIT
    inputFiles:
      playbook.yml: "{{ vars.playbook }}"
    containerImage: cytopia/ansible:latest-tools
    commands:
      - ansible-playbook -i localhost -c local playbook.yml
"""),
    Example(title='Supply a custom `ansible.cfg` while keeping the Kestra integration working. When you provide your own `ansibleConfig`, the generated one is skipped entirely, so you must keep the `callback_plugins`/`callbacks_enabled` lines for output capture and the `library = ./library` line for the bundled `kestra` module to resolve; add your own settings below them.',
            code="""
id: ansible_custom_config
namespace: company.team

tasks:
  - id: ansible_task
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    outputsMode: EXPLICIT
    ansibleConfig: |
      [defaults]
      log_path          = {{ workingDir }}/log
      callback_plugins  = ./callback_plugins
      callbacks_enabled = kestra_logger
      stdout_callback   = ansible.builtin.null
      result_format     = json
      pretty_results    = true
      library           = ./library
      forks             = 10
      timeout           = 30
    inputFiles:
      playbook.yml: |
        ---
        - hosts: localhost
          tasks:
            - name: Declare outputs
              kestra:
                outputs:
                  deployed: true
    containerImage: cytopia/ansible:latest-tools
    commands:
      - ansible-playbook -i localhost -c local playbook.yml
"""),
)
