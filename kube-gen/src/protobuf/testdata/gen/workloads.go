package main

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// writeDeploymentList writes a LIST of a Deployment that sets most of what a Deployment
// holds, and one that sets only what the API requires.
func writeDeploymentList() {
	full := fullDeployment()
	minimal := appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "minimal", Namespace: "default", CreationTimestamp: created},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "minimal"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "minimal"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
	list := appsv1.DeploymentList{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DeploymentList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "22000"},
		Items:    []appsv1.Deployment{full, minimal},
	}
	write("deployment_list", encodePB(&list), encodeJSON(&list))
}

func fullDeployment() appsv1.Deployment {
	maxSurge, maxUnavailable := intstr.FromString("25%"), intstr.FromInt32(1)
	return appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", UID: "0a1b2c3d-0000-4000-8000-000000000001",
			ResourceVersion: "21000", Generation: 4, CreationTimestamp: created,
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "3"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(0)), // a pointer: 0 is set
			Selector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"app": "web"},
				MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"frontend", "edge"}},
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "frontend"}},
				Spec:       podSpec(),
			},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &maxSurge, MaxUnavailable: &maxUnavailable},
			},
			MinReadySeconds:         5,
			RevisionHistoryLimit:    ptr(int32(10)),
			ProgressDeadlineSeconds: ptr(int32(600)),
		},
		Status: appsv1.DeploymentStatus{
			ObservedGeneration: 4, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1,
			UnavailableReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{
				{
					Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse,
					LastUpdateTime: updated, LastTransitionTime: updated,
					Reason: "MinimumReplicasUnavailable", Message: "Deployment does not have minimum availability.",
				},
				{
					Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
					LastUpdateTime: updated, LastTransitionTime: created,
					Reason: "NewReplicaSetAvailable", Message: `ReplicaSet "web-5d4f" has successfully progressed.`,
				},
			},
		},
	}
}

// podSpec has containers with resources, probes (an httpGet and an exec ProbeHandler,
// inline in Probe), env from a ConfigMap key and the downward API, and a configMap volume
// (inline VolumeSource in Volume).
func podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:    "web",
			Image:   "nginx:1.27",
			Command: []string{"nginx", "-g", "daemon off;"},
			Ports: []corev1.ContainerPort{
				{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP},
			},
			Env: []corev1.EnvVar{
				{Name: "MODE", Value: "production"},
				{Name: "EMPTY"},
				{Name: "LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "level", Optional: ptr(false),
				}}},
				{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			},
			Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("500m"),
					corev1.ResourceMemory: resource.MustParse("128Mi"),
				},
				Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("0.1"),
					corev1.ResourceMemory: resource.MustParse("64Mi"),
				},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/web", ReadOnly: true}},
			LivenessProbe: &corev1.Probe{
				ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP,
					HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "1"}},
				}},
				InitialDelaySeconds: 3, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3,
			},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}},
				PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3, TimeoutSeconds: 1,
			},
			ImagePullPolicy: corev1.PullIfNotPresent,
			SecurityContext: &corev1.SecurityContext{
				RunAsNonRoot:             ptr(true),
				RunAsUser:                ptr(int64(0)),
				AllowPrivilegeEscalation: ptr(false),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		}},
		Volumes: []corev1.Volume{{
			Name: "config",
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "settings"},
				Items:                []corev1.KeyToPath{{Key: "config.yaml", Path: "config.yaml", Mode: ptr(int32(0o444))}},
				DefaultMode:          ptr(int32(0o644)),
			}},
		}},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptr(int64(30)),
		DNSPolicy:                     corev1.DNSClusterFirst,
		NodeSelector:                  map[string]string{"kubernetes.io/os": "linux"},
		ServiceAccountName:            "web",
		SecurityContext:               &corev1.PodSecurityContext{FSGroup: ptr(int64(2000))},
		SchedulerName:                 corev1.DefaultSchedulerName,
	}
}

// writePodList writes a LIST of a scheduled, running Pod and a pending one.
func writePodList() {
	pending := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "default", CreationTimestamp: created},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort},
	}
	list := corev1.PodList{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "23000"},
		Items:    []corev1.Pod{runningPod(), pending},
	}
	write("pod_list", encodePB(&list), encodeJSON(&list))
}

func runningPod() corev1.Pod {
	spec := podSpec()
	spec.NodeName = "node-1"
	spec.Priority = ptr(int32(0))
	spec.EnableServiceLinks = ptr(true)
	spec.Tolerations = []corev1.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule},
	}
	spec.Affinity = &corev1.Affinity{
		NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "kubernetes.io/arch", Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64", "arm64"}},
			}}},
		}},
		PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				TopologyKey:   "kubernetes.io/hostname",
			},
		}}},
	}
	started := metav1.NewTime(time.Unix(1700000050, 0))
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-5d4f-abcde", GenerateName: "web-5d4f-", Namespace: "default",
			UID: "0a1b2c3d-0000-4000-8000-000000000003", ResourceVersion: "22999", CreationTimestamp: created,
			Labels: map[string]string{"app": "web", "pod-template-hash": "5d4f"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d4f",
				UID: "0a1b2c3d-0000-4000-8000-000000000002", Controller: ptr(true), BlockOwnerDeletion: ptr(true),
			}},
		},
		Spec: spec,
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: created},
			},
			HostIP:    "10.0.0.1",
			HostIPs:   []corev1.HostIP{{IP: "10.0.0.1"}},
			PodIP:     "10.244.1.7",
			PodIPs:    []corev1.PodIP{{IP: "10.244.1.7"}, {IP: "fd00::7"}},
			StartTime: &started,
			ContainerStatuses: []corev1.ContainerStatus{{
				Name:  "web",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 0, Reason: "Completed", StartedAt: created, FinishedAt: started, ContainerID: "containerd://0123",
				}},
				Ready:        true,
				RestartCount: 1,
				Image:        "docker.io/library/nginx:1.27",
				ImageID:      "docker.io/library/nginx@sha256:0123456789abcdef",
				ContainerID:  "containerd://4567",
				Started:      ptr(true),
			}},
			QOSClass: corev1.PodQOSBurstable,
		},
	}
}
