"""Kestra's @Example flows, unchanged (validated by the tests)."""

from podium.sdk import Example

APPLY = (
    Example(title='Apply a Kubernetes resource.', full=True, code="""
id: create_or_replace_deployment
namespace: company.team

tasks:
  - id: apply
    type: io.kestra.plugin.kubernetes.kubectl.Apply
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    spec: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mypod
        labels:
          app: mypod
      spec:
        replicas: 1
        selector:
          matchLabels:
            app: mypod
        template:
          metadata:
            labels:
              app: mypod
          spec:
            containers:
              - name: app
                image: nginx:stable-alpine
                ports:
                  - containerPort: 80
"""),
    Example(title='Apply a core-group v1 Service.', full=True, code="""
id: create_or_replace_service
namespace: company.team

tasks:
  - id: apply
    type: io.kestra.plugin.kubernetes.kubectl.Apply
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    spec: |-
      apiVersion: v1
      kind: Service
      metadata:
        name: my-service
      spec:
        selector:
          app: myapp
        ports:
          - protocol: TCP
            port: 80
            targetPort: 8080
"""),
    Example(title='Apply a Kubernetes resource, using a namespace file.', full=True, code="""
id: create_or_replace_deployment
namespace: company.team

tasks:
  - id: apply
    type: io.kestra.plugin.kubernetes.kubectl.Apply
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespaceFiles:
      enabled: true
    namespace: default
    spec: "{{ read('deployment.yaml') }}"
"""),
    Example(title='Apply a Kubernetes custom resource definition.', full=True, code="""
id: k8s
namespace: company.name

tasks:
  - id: apply
    type: io.kestra.plugin.kubernetes.kubectl.Apply
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    spec: |-
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: shirts.stable.example.com
      spec:
        group: stable.example.com
        scope: Namespaced
        names:
          plural: shirts
          singular: shirt
          kind: Shirt
        versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                apiVersion:
                  type: string
                kind:
                  type: string
                metadata:
                  type: object
                spec:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true # Allows any fields in spec
                  properties:
                    # You should define your actual Shirt properties here later
                    # For example:
                    # color:
                    #   type: string
                    # size:
                    #   type: string
                    #   enum: ["S", "M", "L", "XL"]
                status:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true # Allows any fields in status
                  properties:
                    # Define your status properties here
                    # message:
                    #   type: string
"""),
    Example(title='Apply a custom resource and wait for it to become ready.', full=True, code="""
id: apply_and_wait_for_custom_resource
namespace: company.team

tasks:
  - id: apply
    type: io.kestra.plugin.kubernetes.kubectl.Apply
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    waitUntilReady: PT10M
    spec: |-
      apiVersion: example.com/v1
      kind: MyResource
      metadata:
        name: my-resource
      spec:
        foo: bar
"""),
)

GET = (
    Example(title='Get all pods from Kubernetes with a service account and log the status of the pods.', full=True, code="""
id: get_all_pods
namespace: company.team

tasks:
  - id: get
    type: io.kestra.plugin.kubernetes.kubectl.Get
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    resourceType: pods
    fetchType: FETCH

  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.get.statusItems }}"
"""),
    Example(title="Get one deployment named 'my-deployment' from Kubernetes with a service account and log the status of the pod.", full=True, code="""
id: get_one_deployment
namespace: company.team

tasks:
  - id: get
    type: io.kestra.plugin.kubernetes.kubectl.Get
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
      trustCerts: true
    namespace: default
    resourceType: deployments
    resourcesNames:
      - my-deployment
    fetchType: FETCH_ONE

  - id: log_status
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.get.statusItem }}"
"""),
    Example(title='Get two deployments named my-deployment and my-deployment-2 from Kubernetes and store them in the internal storage.', full=True, code="""
id: get_two_deployments
namespace: company.team

tasks:
  - id: get
    type: io.kestra.plugin.kubernetes.kubectl.Get
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    resourceType: deployments
    resourcesNames:
      - my-deployment
      - my-deployment-2
    fetchType: STORE
"""),
    Example(title='Get one custom resource named Shirt from Kubernetes.', full=True, code="""
id: get_one_custom_resource
namespace: company.team

tasks:
  - id: get
    type: io.kestra.plugin.kubernetes.kubectl.Get
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    resourceType: shirts # could be Shirt
    apiGroup: stable.example.com
    apiVersion: v1
    fetchType: FETCH_ONE
"""),
    Example(title='Get a custom resource and wait for it to become ready.', full=True, code="""
id: get_and_wait_for_custom_resource
namespace: company.team

tasks:
  - id: get
    type: io.kestra.plugin.kubernetes.kubectl.Get
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    resourceType: myresource
    apiGroup: example.com
    apiVersion: v1
    resourcesNames:
      - my-resource
    fetchType: FETCH_ONE
    waitUntilReady: PT10M
"""),
)

DELETE = (
    Example(title='Delete a list of pods from Kubernetes.', full=True, code="""
id: delete_pods
namespace: company.team

tasks:
  - id: delete
    type: io.kestra.plugin.kubernetes.kubectl.Delete
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: default
    resourceType: pods
    resourcesNames:
      - my-pod
      - my-pod-2
"""),
    Example(title='Delete a list of pods from Kubernetes based on inputs.', full=True, code="""
id: delete_pods
namespace: company.team

inputs:
  - id: resources
    type: MULTISELECT
    allowCustomValue: true
    values:
      - my-pod
      - my-pod-2

tasks:
  - id: delete
    type: io.kestra.plugin.kubernetes.kubectl.Delete
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
      trustCerts: true
    namespace: default
    resourceType: pods
    resourcesNames: "{{ inputs.resources }}"
"""),
)
PATCH = (
    Example(title='Patch pod resource limits and wait for it to become ready.', full=True, code="""
id: patch_pod_with_wait
namespace: company.team

tasks:
  - id: patch
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: pod
    resourceName: my-pod
    waitUntilReady: PT5M
    patch: |
      {
        "spec": {
          "containers": [
            {
              "name": "app",
              "resources": {
                "limits": {"memory": "512Mi", "cpu": "500m"},
                "requests": {"memory": "256Mi", "cpu": "250m"}
              }
            }
          ]
        }
      }
"""),
    Example(title='Patch a deployment to update container resources using strategic merge (default).', full=True, code="""
id: patch_deployment_resources
namespace: company.team

tasks:
  - id: patch
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: deployment
    resourceName: my-api
    apiGroup: apps
    patch: |
      {
        "spec": {
          "template": {
            "spec": {
              "containers": [
                {
                  "name": "api",
                  "resources": {
                    "limits": {"memory": "2Gi", "cpu": "1000m"},
                    "requests": {"memory": "1Gi", "cpu": "500m"}
                  }
                }
              ]
            }
          }
        }
      }
"""),
    Example(title='Scale a deployment using JSON Patch operations.', full=True, code="""
id: scale_deployment
namespace: company.team

tasks:
  - id: scale
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: deployment
    resourceName: my-api
    apiGroup: apps
    patchStrategy: JSON_PATCH
    patch: |
      [
        {"op": "replace", "path": "/spec/replicas", "value": 5}
      ]
"""),
    Example(title='Remove an annotation using JSON Merge Patch.', full=True, code="""
id: remove_annotation
namespace: company.team

tasks:
  - id: patch
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: deployment
    resourceName: my-api
    apiGroup: apps
    patchStrategy: JSON_MERGE
    patch: |
      {
        "metadata": {
          "annotations": {
            "deprecated-annotation": null
          }
        }
      }
"""),
    Example(title='Patch a custom resource.', full=True, code="""
id: patch_custom_resource
namespace: company.team

tasks:
  - id: patch
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: shirts
    resourceName: my-shirt
    apiGroup: stable.example.com
    apiVersion: v1
    patch: |
      {
        "spec": {
          "color": "blue",
          "size": "L"
        }
      }
"""),
    Example(title='Conditionally update replicas using JSON Patch test operation.', full=True, code="""
id: conditional_scale
namespace: company.team

tasks:
  - id: scale
    type: io.kestra.plugin.kubernetes.kubectl.Patch
    connection:
      masterUrl: "{{ secret('K8S_MASTER_URL') }}"
      oauthToken: "{{ secret('K8S_TOKEN') }}"
    namespace: production
    resourceType: deployment
    resourceName: my-api
    apiGroup: apps
    patchStrategy: JSON_PATCH
    patch: |
      [
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "replace", "path": "/spec/replicas", "value": 10}
      ]
"""),
)

RESTART = (
    Example(title="Trigger a rolling restart of a StatefulSet named 'api'.", full=True, code="""
id: restart_api
namespace: company.team

tasks:
  - id: restart
    type: io.kestra.plugin.kubernetes.kubectl.Restart
    connection:
      masterUrl: "{{ secret('MASTER_URL') }}"
      caCertData: "{{ secret('CA_CERT_DATA') }}"
      oauthToken: "{{ secret('OAUTH_TOKEN') }}"
    namespace: api
    resourceType: StatefulSet
    resourcesNames:
      - api
"""),
)
