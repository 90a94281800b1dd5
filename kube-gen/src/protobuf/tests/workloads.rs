//! LISTs of Deployments and Pods (testdata/gen/workloads.go) through the generated decoders
//! equal the same lists decoded from JSON: IntOrString, Quantities, the inline VolumeSource
//! and ProbeHandler, env `valueFrom`, probes, tolerations, affinity and conditions.

use k8s_openapi::List;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::protobuf::decode_list;

const DEPLOYMENTS_PB: &[u8] = include_bytes!("../testdata/deployment_list.pb");
const DEPLOYMENTS_JSON: &[u8] = include_bytes!("../testdata/deployment_list.json");
const PODS_PB: &[u8] = include_bytes!("../testdata/pod_list.pb");
const PODS_JSON: &[u8] = include_bytes!("../testdata/pod_list.json");

#[test]
fn a_deployment_list_decodes_as_its_json_does() {
    let decoded = decode_list::<Deployment>(DEPLOYMENTS_PB, "DeploymentList").unwrap();
    let want: List<Deployment> = serde_json::from_slice(DEPLOYMENTS_JSON).unwrap();
    assert_eq!(decoded.metadata, want.metadata);
    assert_eq!(decoded.items, want.items);

    let spec = decoded.items[0].spec.as_ref().unwrap();
    assert_eq!(spec.replicas, Some(0), "*int32 0 is set");
    let rolling = spec
        .strategy
        .as_ref()
        .unwrap()
        .rolling_update
        .as_ref()
        .unwrap();
    assert_eq!(rolling.max_surge, Some(IntOrString::String("25%".into())));
    assert_eq!(rolling.max_unavailable, Some(IntOrString::Int(1)));
    let pod = spec.template.spec.as_ref().unwrap();
    let container = &pod.containers[0];
    let limits = container
        .resources
        .as_ref()
        .unwrap()
        .limits
        .as_ref()
        .unwrap();
    assert_eq!(limits["cpu"], Quantity("500m".into()));
    let requests = container
        .resources
        .as_ref()
        .unwrap()
        .requests
        .as_ref()
        .unwrap();
    assert_eq!(
        requests["cpu"],
        Quantity("100m".into()),
        "the canonical form"
    );
    let liveness = container.liveness_probe.as_ref().unwrap();
    let http_get = liveness.http_get.as_ref().unwrap();
    assert_eq!(http_get.port, IntOrString::String("http".into()));
    let env = container.env.as_ref().unwrap();
    assert_eq!(env[1].value, None, "omitempty \"\" is None");
    let key_ref = env[2]
        .value_from
        .as_ref()
        .unwrap()
        .config_map_key_ref
        .as_ref();
    assert_eq!(
        key_ref.unwrap().name,
        "settings",
        "inline LocalObjectReference"
    );
    let volume = &pod.volumes.as_ref().unwrap()[0];
    let config_map = volume.config_map.as_ref().unwrap();
    assert_eq!(
        (config_map.name.as_str(), config_map.default_mode),
        ("settings", Some(0o644))
    );
    let conditions = decoded.items[0]
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap();
    assert_eq!(conditions.len(), 2);

    let minimal = decoded.items[1].spec.as_ref().unwrap();
    assert_eq!(minimal.replicas, None, "a nil pointer is left out");
    assert_eq!(minimal.strategy.as_ref().unwrap().rolling_update, None);
}

#[test]
fn a_pod_list_decodes_as_its_json_does() {
    let decoded = decode_list::<Pod>(PODS_PB, "PodList").unwrap();
    let want: List<Pod> = serde_json::from_slice(PODS_JSON).unwrap();
    assert_eq!(decoded.metadata, want.metadata);
    for (got, want) in decoded.items.iter().zip(&want.items) {
        assert_eq!(got.metadata, want.metadata);
        assert_eq!(got.spec, want.spec);
        assert_eq!(got.status, want.status);
    }
    assert_eq!(decoded.items, want.items);

    let running = &decoded.items[0];
    let spec = running.spec.as_ref().unwrap();
    let tolerations = spec.tolerations.as_ref().unwrap();
    assert_eq!(tolerations[0].toleration_seconds, Some(300));
    let affinity = spec.affinity.as_ref().unwrap();
    assert!(affinity.node_affinity.is_some() && affinity.pod_anti_affinity.is_some());
    let status = running.status.as_ref().unwrap();
    let ips: Vec<&str> = status
        .pod_ips
        .iter()
        .flatten()
        .map(|ip| ip.ip.as_str())
        .collect();
    assert_eq!(ips, ["10.244.1.7", "fd00::7"]);
    assert!(status.start_time.is_some());
    let container = &status.container_statuses.as_ref().unwrap()[0];
    assert_eq!((container.ready, container.restart_count), (true, 1));
    let terminated = container
        .last_state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!(terminated.exit_code, 0, "a required int32 0");
    let security = spec.containers[0].security_context.as_ref().unwrap();
    assert_eq!(security.run_as_user, Some(0), "*int64 0 is set");
}

/// Whether a body decodes as one kind's list.
type Decodes = fn(&[u8]) -> bool;

#[test]
fn cut_or_bit_flipped_workload_lists_are_errors_never_panics() {
    let deployments = |b: &[u8]| decode_list::<Deployment>(b, "DeploymentList").is_ok();
    let pods = |b: &[u8]| decode_list::<Pod>(b, "PodList").is_ok();
    let cases: [(&[u8], Decodes); 2] = [(DEPLOYMENTS_PB, deployments), (PODS_PB, pods)];
    for (body, decodes) in cases {
        // The envelope ends with an empty contentEncoding and contentType: cuts before them
        // are inside the list.
        for cut in 0..body.len() - 4 {
            assert!(!decodes(&body[..cut]), "cut at {cut} decoded");
        }
        let mut bytes = body.to_vec();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                bytes[i] ^= 1 << bit;
                decodes(&bytes);
                bytes[i] ^= 1 << bit;
            }
        }
    }
}
