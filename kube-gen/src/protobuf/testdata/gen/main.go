// Command gen writes the protobuf fixtures of kube-gen's protobuf decoder tests, each next to
// the JSON the apiserver would send for the same object, using apimachinery's own serializers
// (the ones kube-apiserver 1.33 uses). Run it from this directory:
//
//	go run . ..
//
// It writes into the given directory (default ".."): configmap.{pb,json} (a GET),
// configmap_list.{pb,json} (a LIST), watch.{pb,json} (a watch stream, length-framed
// protobuf and newline-delimited JSON), status.{pb,json} (a non-2xx body), and
// deployment_list.{pb,json} and pod_list.{pb,json} (LISTs of objects that use most
// helpers: IntOrString, Quantities, inline VolumeSource and ProbeHandler, conditions).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/util/framer"
)

func ptr[T any](v T) *T { return &v }

var (
	scheme    = runtime.NewScheme()
	pbSer     *protobuf.Serializer
	pbRaw     *protobuf.RawSerializer
	jsonSer   *jsonserializer.Serializer
	outDir    = ".."
	created   = metav1.NewTime(time.Unix(1700000000, 0))
	updated   = metav1.NewTime(time.Unix(1700000100, 0))
	deleted   = metav1.NewTime(time.Unix(1700000200, 0))
	configMap = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
)

func main() {
	if len(os.Args) > 1 {
		outDir = os.Args[1]
	}
	must(corev1.AddToScheme(scheme))
	must(appsv1.AddToScheme(scheme))
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	pbSer = protobuf.NewSerializer(scheme, scheme)
	pbRaw = protobuf.NewRawSerializer(scheme, scheme)
	jsonSer = jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme, scheme, jsonserializer.SerializerOptions{})

	full := fullConfigMap()
	write("configmap", encodePB(&full), encodeJSON(&full))

	// List items carry no apiVersion/kind, as in the apiserver's responses.
	item, minimal := full, minimalConfigMap()
	item.TypeMeta, minimal.TypeMeta = metav1.TypeMeta{}, metav1.TypeMeta{}
	list := corev1.ConfigMapList{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMapList"},
		ListMeta: metav1.ListMeta{
			ResourceVersion:    "12400",
			Continue:           "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTI0MDB9",
			RemainingItemCount: ptr(int64(0)), // a pointer: 0 is on the wire and in the JSON
		},
		Items: []corev1.ConfigMap{item, minimal},
	}
	write("configmap_list", encodePB(&list), encodeJSON(&list))

	writeWatch()
	writeDeploymentList()
	writePodList()
	status := invalidStatus()
	write("status", encodePB(&status), encodeJSON(&status))
}

// fullConfigMap sets every ConfigMap and ObjectMeta field, with pointers set to their zero
// values where that matters (Some(false), Some(0)).
func fullConfigMap() corev1.ConfigMap {
	return corev1.ConfigMap{
		TypeMeta: configMap,
		ObjectMeta: metav1.ObjectMeta{
			Name:                       "settings",
			Namespace:                  "default",
			UID:                        "6f1c2a34-8d1e-4b5a-9c3f-2e7d8a9b0c1d",
			ResourceVersion:            "12345",
			Generation:                 3,
			CreationTimestamp:          created,
			DeletionTimestamp:          &deleted,
			DeletionGracePeriodSeconds: ptr(int64(0)),
			Labels:                     map[string]string{"app": "web", "tier": "frontend"},
			Annotations:                map[string]string{"note": "héllo ✓", "empty": ""},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion:         "apps/v1",
				Kind:               "Deployment",
				Name:               "web",
				UID:                "0a1b2c3d-0000-4000-8000-000000000001",
				Controller:         ptr(true),
				BlockOwnerDeletion: ptr(false),
			}},
			Finalizers: []string{"example.com/cleanup"},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{
					Manager:    "kubectl",
					Operation:  metav1.ManagedFieldsOperationApply,
					APIVersion: "v1",
					Time:       &created,
					FieldsType: "FieldsV1",
					FieldsV1:   &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:k":{}},"f:metadata":{"f:labels":{"f:app":{}}}}`)},
				},
				{
					Manager:     "controller",
					Operation:   metav1.ManagedFieldsOperationUpdate,
					APIVersion:  "v1",
					Time:        &updated,
					FieldsType:  "FieldsV1",
					FieldsV1:    &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:finalizers":{".":{},"v:\"example.com/cleanup\"":{}}}}`)},
					Subresource: "status",
				},
			},
		},
		Immutable:  ptr(false),
		Data:       map[string]string{"k": "v", "config.yaml": "a: 1\nb: [2, 3]\n", "empty": ""},
		BinaryData: map[string][]byte{"blob": {0x00, 0xff, 0xfe, 0x80, 0x0a}, "none": {}},
	}
}

// minimalConfigMap has only a name: every other field is Go's zero value.
func minimalConfigMap() corev1.ConfigMap {
	return corev1.ConfigMap{TypeMeta: configMap, ObjectMeta: metav1.ObjectMeta{Name: "minimal", Namespace: "default"}}
}

// writeWatch writes one event of each type: the protobuf stream as the apiserver frames it
// (a 4-byte big-endian length, then a raw WatchEvent whose object is a full envelope), and
// the JSON stream as newline-delimited WatchEvents.
func writeWatch() {
	added := fullConfigMap()
	modified := fullConfigMap()
	modified.ResourceVersion = "12346"
	modified.Data["k"] = "v2"
	gone := minimalConfigMap()
	gone.ResourceVersion = "12347"
	gone.DeletionTimestamp = &deleted
	bookmark := corev1.ConfigMap{TypeMeta: configMap, ObjectMeta: metav1.ObjectMeta{
		ResourceVersion: "12500",
		Annotations:     map[string]string{"k8s.io/initial-events-end": "true"},
	}}
	expired := metav1.Status{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   metav1.StatusFailure,
		Message:  "too old resource version: 1 (12345)",
		Reason:   metav1.StatusReasonExpired,
		Code:     410,
	}
	events := []struct {
		kind   string
		object runtime.Object
	}{
		{"ADDED", &added}, {"MODIFIED", &modified}, {"DELETED", &gone},
		{"BOOKMARK", &bookmark}, {"ERROR", &expired},
	}
	var pb, js bytes.Buffer
	frames := framer.NewLengthDelimitedFrameWriter(&pb)
	for _, e := range events {
		var body bytes.Buffer
		event := metav1.WatchEvent{Type: e.kind, Object: runtime.RawExtension{Raw: encodePB(e.object)}}
		must(pbRaw.Encode(&event, &body))
		_, err := frames.Write(body.Bytes())
		must(err)
		line, err := json.Marshal(metav1.WatchEvent{Type: e.kind, Object: runtime.RawExtension{Raw: bytes.TrimSpace(encodeJSON(e.object))}})
		must(err)
		js.Write(append(line, '\n'))
	}
	write("watch", pb.Bytes(), js.Bytes())
}

// invalidStatus is a 422 with details and causes, as a failed create returns it.
func invalidStatus() metav1.Status {
	return metav1.Status{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   metav1.StatusFailure,
		Message:  `ConfigMap "settings" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters`,
		Reason:   metav1.StatusReasonInvalid,
		Details: &metav1.StatusDetails{
			Name: "settings",
			Kind: "ConfigMap",
			Causes: []metav1.StatusCause{
				{Type: metav1.CauseTypeFieldValueInvalid, Message: `Invalid value: "bad key"`, Field: "data[bad key]"},
				{Type: metav1.CauseTypeFieldValueRequired, Message: "Required value", Field: "metadata.name"},
			},
			RetryAfterSeconds: 5,
		},
		Code: 422,
	}
}

func encodePB(obj runtime.Object) []byte {
	var b bytes.Buffer
	must(pbSer.Encode(obj, &b))
	return b.Bytes()
}

func encodeJSON(obj runtime.Object) []byte {
	var b bytes.Buffer
	must(jsonSer.Encode(obj, &b))
	return b.Bytes()
}

func write(name string, pb, js []byte) {
	must(os.WriteFile(filepath.Join(outDir, name+".pb"), pb, 0o644))
	must(os.WriteFile(filepath.Join(outDir, name+".json"), js, 0o644))
	fmt.Printf("%s.pb: %d bytes, %s.json: %d bytes\n", name, len(pb), name, len(js))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
