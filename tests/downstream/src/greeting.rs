//! The `Greeting` custom resource, and the status every controller here gives it.

use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Greeting names someone; the controllers answer it in its status.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "downstream.kube-gen.dev",
    version = "v1",
    kind = "Greeting",
    namespaced
)]
#[kube(status = "GreetingStatus", shortname = "gr", facades)]
#[kube(printcolumn(name = "Reply", type = "string", json_path = ".status.reply"))]
#[serde(rename_all = "camelCase")]
pub struct GreetingSpec {
    /// Who to greet.
    pub to: String,
}

/// The answer to a Greeting, and which generation of its spec it answers.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingStatus {
    /// `Hello, <to>!`.
    pub reply: String,
    /// The `metadata.generation` the reply was made for.
    pub observed_generation: Option<i64>,
}

/// The status `greeting` should have: both controllers write this, so their tests compare
/// against one answer.
pub fn answer(greeting: &Greeting) -> GreetingStatus {
    GreetingStatus {
        reply: format!("Hello, {}!", greeting.spec.to),
        observed_generation: greeting.metadata.generation,
    }
}

/// Whether `greeting` already has the status [`answer`] gives it; a controller writes
/// nothing then, so its own status write does not make it loop.
pub fn is_answered(greeting: &Greeting) -> bool {
    greeting.status.as_ref() == Some(&answer(greeting))
}

#[cfg(test)]
mod tests {
    use kube::Api;
    use kube::api::{ListParams, PostParams};
    use kube::{CustomResourceExt, Resource};
    use kube_gen::fake::FakeCluster;

    use super::*;

    #[test]
    fn the_crd_is_namespaced_with_a_status_subresource_and_a_structural_schema() {
        let crd = Greeting::crd();
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some("greetings.downstream.kube-gen.dev")
        );
        assert_eq!(crd.spec.group, "downstream.kube-gen.dev");
        assert_eq!(crd.spec.scope, "Namespaced");
        assert_eq!(crd.spec.names.kind, "Greeting");
        assert_eq!(crd.spec.names.plural, "greetings");
        assert_eq!(crd.spec.names.short_names, Some(vec!["gr".to_owned()]));

        let [version] = crd.spec.versions.as_slice() else {
            panic!("one version, got {:?}", crd.spec.versions);
        };
        assert_eq!(
            (version.name.as_str(), version.served, version.storage),
            ("v1", true, true)
        );
        assert!(
            version
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some())
        );
        let columns = version
            .additional_printer_columns
            .as_deref()
            .unwrap_or_default();
        assert_eq!(columns[0].json_path, ".status.reply");

        let schema = serde_json::to_value(&version.schema).unwrap();
        let properties = &schema["openAPIV3Schema"]["properties"];
        assert_eq!(properties["spec"]["required"], serde_json::json!(["to"]));
        assert_eq!(properties["spec"]["properties"]["to"]["type"], "string");
        assert_eq!(
            properties["status"]["properties"]["observedGeneration"]["type"],
            "integer"
        );
        // kube's own trait agrees with the generated constructor.
        assert_eq!(<Greeting as CustomResourceExt>::crd(), crd);
    }

    #[test]
    fn kube_sees_the_derived_type_as_a_resource() {
        assert_eq!(Greeting::api_version(&()), "downstream.kube-gen.dev/v1");
        assert_eq!(Greeting::plural(&()), "greetings");
        let json =
            serde_json::to_value(Greeting::new("hi", GreetingSpec { to: "Ada".into() })).unwrap();
        assert_eq!(json["apiVersion"], "downstream.kube-gen.dev/v1");
        assert_eq!(json["kind"], "Greeting");
        assert_eq!(json["spec"]["to"], "Ada");
    }

    #[tokio::test]
    async fn kube_api_creates_lists_and_writes_status_over_the_fake_cluster() {
        let fake = FakeCluster::new().with_status_subresource::<Greeting>();
        let greetings = Api::<Greeting>::namespaced(fake.client(), "default");

        let created = greetings
            .create(
                &PostParams::default(),
                &Greeting::new("hi", GreetingSpec { to: "Ada".into() }),
            )
            .await
            .unwrap();
        assert_eq!(created.metadata.generation, Some(1));
        assert!(!is_answered(&created));

        let mut answered = created.clone();
        answered.status = Some(answer(&created));
        greetings
            .replace_status("hi", &PostParams::default(), &answered)
            .await
            .unwrap();

        let listed = greetings.list(&ListParams::default()).await.unwrap();
        assert_eq!(listed.items.len(), 1);
        assert!(is_answered(&listed.items[0]));
        assert_eq!(
            listed.items[0].status.as_ref().unwrap().reply,
            "Hello, Ada!"
        );
    }
}
