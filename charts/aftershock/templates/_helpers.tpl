{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "aftershock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aftershock.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aftershock.labels" -}}
{{ include "aftershock.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aftershock.serviceAccountName" -}}
{{- default (include "aftershock.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "aftershock.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The namespaces a namespaced install may target: the release's own first, then those listed. */}}
{{- define "aftershock.targetNamespaces" -}}
{{- $all := list .Release.Namespace -}}
{{- range .Values.rbac.namespaces -}}
{{- if not (has . $all) -}}{{- $all = append $all . -}}{{- end -}}
{{- end -}}
{{- join "," $all -}}
{{- end -}}

{{/*
What the agent asks of the API server in the namespaces it targets: faults, guards, watches and
events (a review of every call in agent/src/main/java/dev/aftershock/kube), no verb more.
*/}}
{{- define "aftershock.namespacedRules" -}}
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, delete]
- apiGroups: [""]
  resources: [pods/eviction]
  verbs: [create]
- apiGroups: [""]
  resources: [events]
  verbs: [create, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, watch{{ if .Values.faults.rolloutRestart }}, patch{{ end }}]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [list, watch]
- apiGroups: [autoscaling.k8s.io]
  resources: [verticalpodautoscalers]
  verbs: [list, watch]
- apiGroups: [metrics.k8s.io]
  resources: [pods]
  verbs: [list]
{{- end -}}

{{/* Where node helper pods run: a namespace of their own, never the release's (it must admit privileged pods). */}}
{{- define "aftershock.helperNamespace" -}}
{{- $ns := required "helpers.namespace is required when helpers.enabled is true" .Values.helpers.namespace -}}
{{- if eq $ns .Release.Namespace -}}
{{- fail "helpers.namespace must not be the release's namespace: it must admit privileged pods, the agent's must not" -}}
{{- end -}}
{{- $ns -}}
{{- end -}}

{{- define "aftershock.injectorNamespace" -}}
{{- default .Release.Namespace .Values.injectors.namespace -}}
{{- end -}}
