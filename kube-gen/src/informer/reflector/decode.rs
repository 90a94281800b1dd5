//! Lists and watch events decoded object by object, so one object that no longer fits `K`
//! is skipped and reported rather than failing every list of the collection.
//!
//! The whole response is first decoded in one pass as usual; only when that fails is it
//! decoded again item by item, so the common case pays nothing for the fallback.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use kube::api::{ObjectList, WatchEvent};
use kube::core::Status;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::informer::Undecodable;

/// One object of a list or watch: decoded, or reported.
#[derive(Debug)]
pub(crate) enum Item<K> {
    Object(K),
    Undecodable(Box<Undecodable>),
}

/// One page of a list.
pub(crate) struct Page<K> {
    pub(crate) items: Vec<Item<K>>,
    pub(crate) metadata: ListMeta,
}

/// One watch event, kube's [`WatchEvent`] with objects that may not have decoded.
#[derive(Debug)]
pub(crate) enum Event<K> {
    Added(Item<K>),
    Modified(Item<K>),
    Deleted(Item<K>),
    /// A bookmark's resourceVersion.
    Bookmark(String),
    Error(Box<Status>),
}

impl<K> From<WatchEvent<K>> for Event<K> {
    fn from(event: WatchEvent<K>) -> Self {
        match event {
            WatchEvent::Added(obj) => Event::Added(Item::Object(obj)),
            WatchEvent::Modified(obj) => Event::Modified(Item::Object(obj)),
            WatchEvent::Deleted(obj) => Event::Deleted(Item::Object(obj)),
            WatchEvent::Bookmark(bookmark) => Event::Bookmark(bookmark.metadata.resource_version),
            WatchEvent::Error(status) => Event::Error(status),
        }
    }
}

/// A protobuf watch event (decoded by `crate::protobuf`), which has no undecodable items:
/// a body that does not decode fails as a whole, and the source falls back to JSON.
impl<K> From<k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent<K>> for Event<K> {
    fn from(event: k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent<K>) -> Self {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent as Proto;
        match event {
            Proto::Added(obj) => Event::Added(Item::Object(obj)),
            Proto::Modified(obj) => Event::Modified(Item::Object(obj)),
            Proto::Deleted(obj) => Event::Deleted(Item::Object(obj)),
            Proto::Bookmark {
                resource_version, ..
            } => Event::Bookmark(resource_version),
            // The Status's own code; 500 if it has none.
            Proto::ErrorStatus(status) => {
                Event::Error(Box::new(super::source::kube_status(status, 500)))
            }
            Proto::ErrorOther(other) => Event::Error(Box::new(Status::failure(
                &other.0.to_string(),
                "watch error that is not a Status",
            ))),
        }
    }
}

/// A list response.
pub(crate) fn list<K: Clone + DeserializeOwned>(text: &str) -> serde_json::Result<Page<K>> {
    if let Ok(list) = serde_json::from_str::<ObjectList<K>>(text) {
        return Ok(Page {
            items: list.items.into_iter().map(Item::Object).collect(),
            metadata: list.metadata,
        });
    }
    #[derive(Deserialize)]
    struct RawList<'a> {
        #[serde(default)]
        metadata: ListMeta,
        #[serde(borrow, default)]
        items: Option<Vec<&'a RawValue>>,
    }
    let raw: RawList<'_> = serde_json::from_str(text)?;
    let items = raw.items.unwrap_or_default();
    Ok(Page {
        items: items
            .into_iter()
            .map(|item| self::item(item.get()))
            .collect::<serde_json::Result<_>>()?,
        metadata: raw.metadata,
    })
}

/// One line of a watch response.
pub(crate) fn event<K: Clone + DeserializeOwned>(line: &str) -> kube::Result<Event<K>> {
    let error = match serde_json::from_str::<WatchEvent<K>>(line) {
        Ok(event) => return Ok(event.into()),
        Err(error) => error,
    };
    #[derive(Deserialize)]
    struct RawEvent<'a> {
        #[serde(rename = "type")]
        type_: String,
        #[serde(borrow)]
        object: &'a RawValue,
    }
    let Ok(raw) = serde_json::from_str::<RawEvent<'_>>(line) else {
        // Not an event: the server may have sent a bare Status instead.
        return match serde_json::from_str::<Status>(line) {
            Ok(status) => Err(kube::Error::Api(Box::new(status))),
            Err(_) => Err(kube::Error::SerdeError(error)),
        };
    };
    let object = raw.object.get();
    let item = || self::item(object).map_err(kube::Error::SerdeError);
    match raw.type_.as_str() {
        "ADDED" => Ok(Event::Added(item()?)),
        "MODIFIED" => Ok(Event::Modified(item()?)),
        "DELETED" => Ok(Event::Deleted(item()?)),
        "BOOKMARK" => {
            let identity = identity(object).map_err(kube::Error::SerdeError)?;
            Ok(Event::Bookmark(
                identity.metadata.resource_version.unwrap_or_default(),
            ))
        }
        "ERROR" => Ok(Event::Error(Box::new(
            serde_json::from_str(object).map_err(kube::Error::SerdeError)?,
        ))),
        _ => Err(kube::Error::SerdeError(error)),
    }
}

/// One object: decoded into `K`, or, when that fails, its identity and the failure's path.
/// Fails only when the object does not even have Kubernetes object metadata.
fn item<K: DeserializeOwned>(raw: &str) -> serde_json::Result<Item<K>> {
    let deserializer = &mut serde_json::Deserializer::from_str(raw);
    let error = match serde_path_to_error::deserialize::<_, K>(deserializer) {
        Ok(obj) => return Ok(Item::Object(obj)),
        Err(error) => error,
    };
    let identity = identity(raw)?;
    let path = error.path().to_string();
    let error = if path.is_empty() || path == "." {
        error.into_inner().to_string()
    } else {
        format!("{path}: {}", error.into_inner())
    };
    Ok(Item::Undecodable(Box::new(Undecodable {
        api_version: identity.api_version.unwrap_or_default(),
        kind: identity.kind.unwrap_or_default(),
        namespace: identity.metadata.namespace,
        name: identity.metadata.name.unwrap_or_default(),
        uid: identity.metadata.uid,
        resource_version: identity.metadata.resource_version,
        error,
    })))
}

/// What an object says about itself, read leniently: every field may be missing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    metadata: IdentityMeta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IdentityMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
}

fn identity(raw: &str) -> serde_json::Result<Identity> {
    serde_json::from_str(raw)
}
