//! The cluster snapshot, parsed from what `kubectl get ... -o yaml` prints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::daemon_set::DaemonSet;
use crate::document::{from_value, join_path, kind_of, parse_docs, Doc, RawQuantity, RawString};
use crate::duration::parse_duration_seconds;
use crate::error::{Error, ObjectRef};
use crate::instance_type::convert_resources;
use crate::labels::{normalize_label_key, Labels};
use crate::node::Node;
use crate::node_claim::NodeClaim;
use crate::node_pool::{
    Budget, BudgetNodes, ConsolidationPolicy, Disruption, NodeClassRef, NodePool,
};
use crate::pdb::{IntOrPercent, PodDisruptionBudget};
use crate::pod::{
    HostPort, InclusionPolicy, OwnerRef, Pod, PodAffinity, PodAffinityTerm, PodPhase,
    TopologySpreadConstraint, Weighted, WhenUnsatisfiable,
};
use crate::requirements::{Operator, Requirement, Requirements};
use crate::resources::Resources;
use crate::selector::{LabelSelector, SelectorExpression};
use crate::taints::{Taint, TaintEffect, Toleration};

/// Everything the solver reads from a cluster.
///
/// # Examples
/// ```
/// use karpenter_solver::Snapshot;
/// let snapshot = Snapshot::from_slice(br#"
/// apiVersion: v1
/// kind: List
/// items:
/// - apiVersion: v1
///   kind: Pod
///   metadata: {name: web-1, namespace: default}
///   spec:
///     containers:
///     - name: app
///       resources: {requests: {cpu: 500m, memory: 1Gi}}
/// - apiVersion: v1
///   kind: Service
///   metadata: {name: web}
/// "#).unwrap();
/// assert_eq!(snapshot.pods[0].requests.get("cpu"), 500);
/// assert_eq!(snapshot.warnings, vec!["ignoring 1 object of kind Service".to_string()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Pods, pending and bound.
    pub pods: Vec<Pod>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// NodePools.
    pub node_pools: Vec<NodePool>,
    /// NodeClaims.
    pub node_claims: Vec<NodeClaim>,
    /// Pod disruption budgets.
    pub pdbs: Vec<PodDisruptionBudget>,
    /// DaemonSets.
    pub daemon_sets: Vec<DaemonSet>,
    /// What parsing passed over (one line per ignored kind), for the caller to show.
    pub warnings: Vec<String>,
}

impl Snapshot {
    /// Parses a snapshot: a `kind: List`, a multi-document YAML stream, or JSON.
    ///
    /// # Errors
    /// [`Error::Syntax`] with line and column for malformed YAML or JSON; otherwise an error
    /// naming the object (`Kind/namespace/name`) and the field at fault, such as a bad
    /// quantity, an unknown operator or a negative request.
    pub fn from_slice(bytes: &[u8]) -> Result<Snapshot, Error> {
        let docs = parse_docs(bytes, "snapshot")?;
        let mut items: Vec<(String, Doc<'_>)> = Vec::new();
        for (d, doc) in docs.into_iter().enumerate() {
            collect_items(doc, &format!("document[{d}]"), &mut items)?;
        }
        let mut snapshot = Snapshot::default();
        let mut ignored: BTreeMap<String, usize> = BTreeMap::new();
        for (position, item) in items {
            let item = item.into_value("snapshot")?;
            let kind = item
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let object = object_ref(&kind, &item, &position);
            match kind.as_str() {
                "Pod" => snapshot
                    .pods
                    .push(convert_pod(from_value(item, &object, "")?, &object)?),
                "Node" => snapshot
                    .nodes
                    .push(convert_node(from_value(item, &object, "")?, &object)?),
                "NodePool" => snapshot
                    .node_pools
                    .push(convert_node_pool(from_value(item, &object, "")?, &object)?),
                "NodeClaim" => snapshot
                    .node_claims
                    .push(convert_node_claim(from_value(item, &object, "")?, &object)?),
                "PodDisruptionBudget" => snapshot
                    .pdbs
                    .push(convert_pdb(from_value(item, &object, "")?, &object)?),
                "DaemonSet" => snapshot
                    .daemon_sets
                    .push(convert_daemon_set(from_value(item, &object, "")?, &object)?),
                "" => {
                    return Err(Error::InvalidField {
                        object,
                        field: "kind".into(),
                        message: "missing: every object needs a kind".into(),
                    })
                }
                other => *ignored.entry(other.to_owned()).or_default() += 1,
            }
        }
        for (kind, n) in ignored {
            let s = if n == 1 { "" } else { "s" };
            snapshot
                .warnings
                .push(format!("ignoring {n} object{s} of kind {kind}"));
        }
        Ok(snapshot)
    }
}

/// Splits a document into its objects, in order, flattening `List`s (any kind ending in
/// `List`, or an object with `items` and no `kind`) and arrays.
fn collect_items<'a>(
    doc: Doc<'a>,
    position: &str,
    out: &mut Vec<(String, Doc<'a>)>,
) -> Result<(), Error> {
    let raw = match doc {
        Doc::Value(v) => return collect_values(v, position, out),
        Doc::Raw(r) => r,
    };
    let bad = |e: serde_json::Error| Error::Document {
        document: "snapshot",
        message: format!("{position}: {e}"),
    };
    match raw.get().trim_start().as_bytes().first() {
        Some(b'{') => {
            // Only the top level is read here; an object's body stays text until converted.
            let map: BTreeMap<String, &'a RawValue> =
                serde_json::from_str(raw.get()).map_err(bad)?;
            let kind: Option<Value> = match map.get("kind") {
                Some(k) => Some(serde_json::from_str(k.get()).map_err(bad)?),
                None => None,
            };
            let is_list = kind
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                || (kind.is_none() && map.contains_key("items"));
            if !is_list {
                out.push((position.to_owned(), Doc::Raw(raw)));
                return Ok(());
            }
            let Some(items) = map.get("items") else {
                return Ok(());
            };
            match items.get().trim_start().as_bytes().first() {
                Some(b'[') => {
                    let list: Vec<&'a RawValue> = serde_json::from_str(items.get()).map_err(bad)?;
                    for (i, item) in list.into_iter().enumerate() {
                        collect_items(Doc::Raw(item), &format!("items[{i}]"), out)?;
                    }
                    Ok(())
                }
                _ => {
                    let other: Value = serde_json::from_str(items.get()).map_err(bad)?;
                    collect_values(
                        Value::Object([("items".to_owned(), other)].into_iter().collect()),
                        position,
                        out,
                    )
                }
            }
        }
        Some(b'[') => {
            let list: Vec<&'a RawValue> = serde_json::from_str(raw.get()).map_err(bad)?;
            for (i, item) in list.into_iter().enumerate() {
                collect_items(Doc::Raw(item), &format!("[{i}]"), out)?;
            }
            Ok(())
        }
        _ => {
            let other: Value = serde_json::from_str(raw.get()).map_err(bad)?;
            collect_values(other, position, out)
        }
    }
}

/// [`collect_items`] for a document already read into values (YAML).
fn collect_values<'a>(
    doc: Value,
    position: &str,
    out: &mut Vec<(String, Doc<'a>)>,
) -> Result<(), Error> {
    match doc {
        Value::Object(mut map) => {
            let is_list = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                || (!map.contains_key("kind") && map.contains_key("items"));
            if is_list {
                match map.remove("items") {
                    Some(Value::Array(list)) => {
                        for (i, item) in list.into_iter().enumerate() {
                            collect_values(item, &format!("items[{i}]"), out)?;
                        }
                    }
                    Some(Value::Null) | None => {}
                    Some(other) => {
                        return Err(Error::Document {
                            document: "snapshot",
                            message: format!(
                                "{position}.items: expected a list of objects, found {}",
                                kind_of(&other)
                            ),
                        })
                    }
                }
            } else {
                out.push((position.to_owned(), Doc::Value(Value::Object(map))));
            }
            Ok(())
        }
        Value::Array(list) => {
            for (i, item) in list.into_iter().enumerate() {
                collect_values(item, &format!("[{i}]"), out)?;
            }
            Ok(())
        }
        other => Err(Error::Document {
            document: "snapshot",
            message: format!(
                "{position}: expected a Kubernetes object or a List, found {}",
                kind_of(&other)
            ),
        }),
    }
}

fn object_ref(kind: &str, item: &Value, position: &str) -> ObjectRef {
    let meta = item.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str);
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str);
    let kind = if kind.is_empty() { "Object" } else { kind };
    match name {
        Some(n) => ObjectRef::new(kind, namespace, n),
        None => ObjectRef::new(kind, namespace, position),
    }
}

// ---- Raw Kubernetes shapes: only the fields the solver reads; everything defaults. ----

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawMeta {
    name: String,
    namespace: String,
    uid: String,
    labels: BTreeMap<String, RawString>,
    annotations: BTreeMap<String, RawString>,
    owner_references: Vec<RawOwnerRef>,
    creation_timestamp: Option<String>,
    deletion_timestamp: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawOwnerRef {
    kind: String,
    name: String,
    controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPod {
    metadata: RawMeta,
    spec: RawPodSpec,
    status: RawPodStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPodSpec {
    containers: Vec<RawContainer>,
    init_containers: Vec<RawContainer>,
    overhead: BTreeMap<String, RawQuantity>,
    node_selector: BTreeMap<String, RawString>,
    affinity: RawAffinity,
    tolerations: Vec<RawToleration>,
    topology_spread_constraints: Vec<RawSpread>,
    priority: Option<i32>,
    node_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawContainer {
    resources: RawResourceRequirements,
    ports: Vec<RawPort>,
    restart_policy: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawResourceRequirements {
    requests: BTreeMap<String, RawQuantity>,
    limits: BTreeMap<String, RawQuantity>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPort {
    host_port: Option<i32>,
    protocol: Option<String>,
    #[serde(rename = "hostIP")]
    host_ip: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPodStatus {
    phase: Option<String>,
    start_time: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawAffinity {
    node_affinity: RawNodeAffinity,
    pod_affinity: RawPodAffinity,
    pod_anti_affinity: RawPodAffinity,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawNodeAffinity {
    required_during_scheduling_ignored_during_execution: Option<RawNodeSelector>,
    preferred_during_scheduling_ignored_during_execution: Vec<RawPreferredNodeTerm>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawNodeSelector {
    node_selector_terms: Vec<RawNodeSelectorTerm>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawNodeSelectorTerm {
    match_expressions: Vec<RawRequirement>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawRequirement {
    key: String,
    operator: String,
    values: Vec<RawString>,
    min_values: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPreferredNodeTerm {
    weight: i32,
    preference: RawNodeSelectorTerm,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPodAffinity {
    required_during_scheduling_ignored_during_execution: Vec<RawPodAffinityTerm>,
    preferred_during_scheduling_ignored_during_execution: Vec<RawWeightedPodAffinityTerm>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPodAffinityTerm {
    label_selector: Option<RawLabelSelector>,
    namespaces: Vec<String>,
    namespace_selector: Option<RawLabelSelector>,
    topology_key: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawWeightedPodAffinityTerm {
    weight: i32,
    pod_affinity_term: RawPodAffinityTerm,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawLabelSelector {
    match_labels: BTreeMap<String, RawString>,
    match_expressions: Vec<RawRequirement>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawToleration {
    key: Option<String>,
    operator: Option<String>,
    value: Option<RawString>,
    effect: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawTaint {
    key: String,
    value: Option<RawString>,
    effect: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawSpread {
    max_skew: i32,
    topology_key: String,
    when_unsatisfiable: Option<String>,
    label_selector: Option<RawLabelSelector>,
    min_domains: Option<i32>,
    match_label_keys: Vec<String>,
    node_affinity_policy: Option<String>,
    node_taints_policy: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNode {
    metadata: RawMeta,
    spec: RawNodeSpec,
    status: RawNodeStatus,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodeSpec {
    taints: Vec<RawTaint>,
    unschedulable: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodeStatus {
    allocatable: BTreeMap<String, RawQuantity>,
    capacity: BTreeMap<String, RawQuantity>,
    conditions: Vec<RawCondition>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawCondition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodePool {
    metadata: RawMeta,
    spec: RawNodePoolSpec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodePoolSpec {
    template: RawTemplate,
    disruption: RawDisruption,
    limits: BTreeMap<String, RawQuantity>,
    weight: Option<i32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawTemplate {
    metadata: RawMeta,
    spec: RawTemplateSpec,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawTemplateSpec {
    requirements: Vec<RawRequirement>,
    taints: Vec<RawTaint>,
    startup_taints: Vec<RawTaint>,
    node_class_ref: Option<RawNodeClassRef>,
    expire_after: Option<RawString>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodeClassRef {
    group: String,
    kind: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawDisruption {
    consolidation_policy: Option<String>,
    consolidate_after: Option<RawString>,
    budgets: Vec<RawBudget>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawBudget {
    nodes: Option<RawString>,
    schedule: Option<String>,
    duration: Option<RawString>,
    reasons: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNodeClaim {
    metadata: RawMeta,
    spec: RawNodeClaimSpec,
    status: RawNodeClaimStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawNodeClaimSpec {
    requirements: Vec<RawRequirement>,
    taints: Vec<RawTaint>,
    startup_taints: Vec<RawTaint>,
    resources: RawResourceRequirements,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawNodeClaimStatus {
    node_name: Option<String>,
    allocatable: Option<BTreeMap<String, RawQuantity>>,
    capacity: Option<BTreeMap<String, RawQuantity>>,
    last_pod_event_time: Option<String>,
    conditions: Vec<RawCondition>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPdb {
    metadata: RawMeta,
    spec: RawPdbSpec,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPdbSpec {
    selector: Option<RawLabelSelector>,
    min_available: Option<RawString>,
    max_unavailable: Option<RawString>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDaemonSet {
    metadata: RawMeta,
    spec: RawDaemonSetSpec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDaemonSetSpec {
    template: RawPodTemplate,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPodTemplate {
    metadata: RawMeta,
    spec: RawPodSpec,
}

// ---- Conversion into the model, validating as it goes. ----

fn field_err(object: &ObjectRef, field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidField {
        object: object.clone(),
        field: field.into(),
        message: message.into(),
    }
}

fn labels(raw: BTreeMap<String, RawString>) -> Labels {
    raw.into_iter()
        .map(|(k, RawString(v))| (normalize_label_key(&k).to_owned(), v))
        .collect()
}

fn timestamp(
    raw: &Option<String>,
    object: &ObjectRef,
    field: &str,
) -> Result<Option<DateTime<Utc>>, Error> {
    match raw {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| field_err(object, field, format!("invalid RFC 3339 time {s:?}: {e}"))),
    }
}

fn owner(refs: &[RawOwnerRef]) -> Option<OwnerRef> {
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())
        .map(|r| OwnerRef {
            kind: r.kind.clone(),
            name: r.name.clone(),
        })
}

/// Effective pod requests as Kubernetes computes them (`PodRequests`): the larger of the app
/// containers' sum (plus running sidecars) and the peak reached while init containers run in
/// order, where restartable (sidecar) init containers keep counting once started; plus
/// `spec.overhead`. A resource with a limit but no request requests its limit, as the API
/// server defaults it.
fn pod_requests(spec: &RawPodSpec, object: &ObjectRef, base: &str) -> Result<Resources, Error> {
    let container_requests = |c: &RawContainer, field: String| -> Result<Resources, Error> {
        let mut r = convert_resources(
            &c.resources.limits,
            object,
            &format!("{field}.resources.limits"),
        )?;
        let req = convert_resources(
            &c.resources.requests,
            object,
            &format!("{field}.resources.requests"),
        )?;
        for (name, v) in req.iter() {
            r.set(name, v);
        }
        Ok(r)
    };
    let mut apps = Resources::new();
    for (i, c) in spec.containers.iter().enumerate() {
        apps.add(&container_requests(
            c,
            join_path(base, &format!("containers[{i}]")),
        )?);
    }
    let mut sidecars = Resources::new();
    let mut init_peak = Resources::new();
    for (i, c) in spec.init_containers.iter().enumerate() {
        let r = container_requests(c, join_path(base, &format!("initContainers[{i}]")))?;
        if c.restart_policy.as_deref() == Some("Always") {
            sidecars.add(&r);
            init_peak.max_with(&sidecars);
        } else {
            let mut during = r;
            during.add(&sidecars);
            init_peak.max_with(&during);
        }
    }
    apps.add(&sidecars);
    apps.max_with(&init_peak);
    apps.add(&convert_resources(
        &spec.overhead,
        object,
        &join_path(base, "overhead"),
    )?);
    Ok(apps.without_zeros())
}

fn requirement(
    raw: &RawRequirement,
    object: &ObjectRef,
    field: &str,
) -> Result<Requirement, Error> {
    let operator: Operator = raw.operator.parse().map_err(|()| Error::UnknownOperator {
        object: object.clone(),
        field: format!("{field}.operator"),
        operator: raw.operator.clone(),
        expected: Operator::EXPECTED,
    })?;
    if raw.key.is_empty() {
        return Err(field_err(
            object,
            format!("{field}.key"),
            "must not be empty",
        ));
    }
    let key = normalize_label_key(&raw.key).to_owned();
    let mut r = Requirement::new(
        key,
        operator,
        raw.values.iter().map(|RawString(v)| v.as_str()),
    )
    .map_err(|m| field_err(object, format!("{field}.values"), m))?;
    if let Some(m) = raw.min_values {
        if m == 0 {
            return Err(field_err(
                object,
                format!("{field}.minValues"),
                "must be at least 1",
            ));
        }
        if operator == Operator::In && (raw.values.len() as u32) < m {
            return Err(field_err(
                object,
                format!("{field}.minValues"),
                format!("is {m} but only {} values are listed", raw.values.len()),
            ));
        }
        r.min_values = Some(m);
    }
    Ok(r)
}

fn requirements(
    raw: &[RawRequirement],
    object: &ObjectRef,
    field: &str,
) -> Result<Requirements, Error> {
    let mut out = Requirements::new();
    for (i, r) in raw.iter().enumerate() {
        out.add(requirement(r, object, &format!("{field}[{i}]"))?);
    }
    Ok(out)
}

fn selector(
    raw: &RawLabelSelector,
    object: &ObjectRef,
    field: &str,
) -> Result<LabelSelector, Error> {
    let mut expressions = Vec::with_capacity(raw.match_expressions.len());
    for (i, e) in raw.match_expressions.iter().enumerate() {
        let values: Vec<String> = e.values.iter().map(|RawString(v)| v.clone()).collect();
        let key = e.key.clone();
        expressions.push(match e.operator.as_str() {
            "In" => SelectorExpression::In(key, values),
            "NotIn" => SelectorExpression::NotIn(key, values),
            "Exists" => SelectorExpression::Exists(key),
            "DoesNotExist" => SelectorExpression::DoesNotExist(key),
            other => {
                return Err(Error::UnknownOperator {
                    object: object.clone(),
                    field: format!("{field}.matchExpressions[{i}].operator"),
                    operator: other.to_owned(),
                    expected: "In, NotIn, Exists, DoesNotExist",
                })
            }
        });
    }
    Ok(LabelSelector {
        match_labels: raw
            .match_labels
            .iter()
            .map(|(k, RawString(v))| (k.clone(), v.clone()))
            .collect(),
        match_expressions: expressions,
    })
}

fn taints(raw: &[RawTaint], object: &ObjectRef, field: &str) -> Result<Vec<Taint>, Error> {
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            let effect = TaintEffect::parse(&t.effect).ok_or_else(|| {
                field_err(
                    object,
                    format!("{field}[{i}].effect"),
                    format!("unknown taint effect {:?} (expected NoSchedule, PreferNoSchedule or NoExecute)", t.effect),
                )
            })?;
            if t.key.is_empty() {
                return Err(field_err(object, format!("{field}[{i}].key"), "must not be empty"));
            }
            Ok(Taint { key: t.key.clone(), value: t.value.clone().map(|v| v.0).unwrap_or_default(), effect })
        })
        .collect()
}

fn tolerations(
    raw: &[RawToleration],
    object: &ObjectRef,
    field: &str,
) -> Result<Vec<Toleration>, Error> {
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            let exists = match t.operator.as_deref() {
                None | Some("Equal") => false,
                Some("Exists") => true,
                Some(other) => {
                    return Err(Error::UnknownOperator {
                        object: object.clone(),
                        field: format!("{field}[{i}].operator"),
                        operator: other.to_owned(),
                        expected: "Equal, Exists",
                    })
                }
            };
            let effect = match t.effect.as_deref() {
                None | Some("") => None,
                Some(e) => Some(TaintEffect::parse(e).ok_or_else(|| {
                    field_err(
                        object,
                        format!("{field}[{i}].effect"),
                        format!("unknown taint effect {e:?} (expected NoSchedule, PreferNoSchedule or NoExecute)"),
                    )
                })?),
            };
            Ok(Toleration {
                key: t.key.clone().unwrap_or_default(),
                exists,
                value: t.value.clone().map(|v| v.0).unwrap_or_default(),
                effect,
            })
        })
        .collect()
}

fn node_selector_terms(
    raw: &[RawNodeSelectorTerm],
    object: &ObjectRef,
    field: &str,
) -> Result<Vec<Requirements>, Error> {
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            requirements(
                &t.match_expressions,
                object,
                &format!("{field}[{i}].matchExpressions"),
            )
        })
        .collect()
}

fn affinity_term(
    raw: &RawPodAffinityTerm,
    object: &ObjectRef,
    field: &str,
) -> Result<PodAffinityTerm, Error> {
    if raw.topology_key.is_empty() {
        return Err(field_err(
            object,
            format!("{field}.topologyKey"),
            "must not be empty",
        ));
    }
    Ok(PodAffinityTerm {
        // A term without a label selector matches no pod.
        selector: match &raw.label_selector {
            Some(s) => selector(s, object, &format!("{field}.labelSelector"))?,
            None => LabelSelector {
                match_labels: Labels::new(),
                match_expressions: vec![SelectorExpression::In(String::new(), vec![])],
            },
        },
        namespaces: raw.namespaces.clone(),
        namespace_selector: raw
            .namespace_selector
            .as_ref()
            .map(|s| selector(s, object, &format!("{field}.namespaceSelector")))
            .transpose()?,
        topology_key: normalize_label_key(&raw.topology_key).to_owned(),
    })
}

fn pod_affinity(
    raw: &RawPodAffinity,
    object: &ObjectRef,
    field: &str,
) -> Result<PodAffinity, Error> {
    let required = raw
        .required_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
        .map(|(i, t)| {
            affinity_term(
                t,
                object,
                &format!("{field}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
            )
        })
        .collect::<Result<_, _>>()?;
    let preferred = raw
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(Weighted {
                weight: t.weight,
                term: affinity_term(
                    &t.pod_affinity_term,
                    object,
                    &format!("{field}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm"),
                )?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(PodAffinity {
        required,
        preferred,
    })
}

fn inclusion(
    raw: &Option<String>,
    default: InclusionPolicy,
    object: &ObjectRef,
    field: &str,
) -> Result<InclusionPolicy, Error> {
    match raw.as_deref() {
        None => Ok(default),
        Some("Honor") => Ok(InclusionPolicy::Honor),
        Some("Ignore") => Ok(InclusionPolicy::Ignore),
        Some(other) => Err(field_err(
            object,
            field,
            format!("unknown policy {other:?} (expected Honor or Ignore)"),
        )),
    }
}

fn spread(
    raw: &RawSpread,
    object: &ObjectRef,
    field: &str,
) -> Result<TopologySpreadConstraint, Error> {
    if raw.max_skew < 1 {
        return Err(field_err(
            object,
            format!("{field}.maxSkew"),
            format!("must be at least 1, got {}", raw.max_skew),
        ));
    }
    if raw.topology_key.is_empty() {
        return Err(field_err(
            object,
            format!("{field}.topologyKey"),
            "must not be empty",
        ));
    }
    let when_unsatisfiable = match raw.when_unsatisfiable.as_deref() {
        None | Some("DoNotSchedule") => WhenUnsatisfiable::DoNotSchedule,
        Some("ScheduleAnyway") => WhenUnsatisfiable::ScheduleAnyway,
        Some(other) => {
            return Err(field_err(
                object,
                format!("{field}.whenUnsatisfiable"),
                format!("unknown value {other:?} (expected DoNotSchedule or ScheduleAnyway)"),
            ))
        }
    };
    if raw.min_domains.is_some_and(|m| m < 1) {
        return Err(field_err(
            object,
            format!("{field}.minDomains"),
            "must be at least 1",
        ));
    }
    Ok(TopologySpreadConstraint {
        max_skew: raw.max_skew,
        topology_key: normalize_label_key(&raw.topology_key).to_owned(),
        when_unsatisfiable,
        selector: match &raw.label_selector {
            Some(s) => selector(s, object, &format!("{field}.labelSelector"))?,
            // Without a selector the constraint counts no pods.
            None => LabelSelector {
                match_labels: Labels::new(),
                match_expressions: vec![SelectorExpression::In(String::new(), vec![])],
            },
        },
        min_domains: raw.min_domains,
        match_label_keys: raw.match_label_keys.clone(),
        node_affinity_policy: inclusion(
            &raw.node_affinity_policy,
            InclusionPolicy::Honor,
            object,
            &format!("{field}.nodeAffinityPolicy"),
        )?,
        node_taints_policy: inclusion(
            &raw.node_taints_policy,
            InclusionPolicy::Ignore,
            object,
            &format!("{field}.nodeTaintsPolicy"),
        )?,
    })
}

fn host_ports(spec: &RawPodSpec) -> Vec<HostPort> {
    let mut ports: Vec<HostPort> = spec
        .containers
        .iter()
        .chain(
            spec.init_containers
                .iter()
                .filter(|c| c.restart_policy.as_deref() == Some("Always")),
        )
        .flat_map(|c| c.ports.iter())
        .filter_map(|p| {
            p.host_port.filter(|&hp| hp > 0).map(|port| HostPort {
                port,
                protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                host_ip: p.host_ip.clone().unwrap_or_default(),
            })
        })
        .collect();
    ports.sort();
    ports.dedup();
    ports
}

/// The parts of a pod spec a DaemonSet template and a pod share.
struct PlacementSpec {
    requests: Resources,
    node_selector: Labels,
    required_node_affinity: Vec<Requirements>,
    tolerations: Vec<Toleration>,
    host_ports: Vec<HostPort>,
}

fn placement(spec: &RawPodSpec, object: &ObjectRef, base: &str) -> Result<PlacementSpec, Error> {
    let na = &spec.affinity.node_affinity;
    let required_node_affinity = match &na.required_during_scheduling_ignored_during_execution {
        Some(sel) => node_selector_terms(
            &sel.node_selector_terms,
            object,
            &join_path(base, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"),
        )?,
        None => Vec::new(),
    };
    Ok(PlacementSpec {
        requests: pod_requests(spec, object, base)?,
        node_selector: labels(spec.node_selector.clone()),
        required_node_affinity,
        tolerations: tolerations(&spec.tolerations, object, &join_path(base, "tolerations"))?,
        host_ports: host_ports(spec),
    })
}

fn convert_pod(raw: RawPod, object: &ObjectRef) -> Result<Pod, Error> {
    let spec = &raw.spec;
    let p = placement(spec, object, "spec")?;
    let na = &spec.affinity.node_affinity;
    let preferred_node_affinity = na
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(Weighted {
                weight: t.weight,
                term: requirements(
                    &t.preference.match_expressions,
                    object,
                    &format!("spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].preference.matchExpressions"),
                )?,
            })
        })
        .collect::<Result<_, Error>>()?;
    let topology_spread = spec
        .topology_spread_constraints
        .iter()
        .enumerate()
        .map(|(i, s)| spread(s, object, &format!("spec.topologySpreadConstraints[{i}]")))
        .collect::<Result<_, _>>()?;
    let phase = match raw.status.phase.as_deref() {
        None | Some("Pending") => PodPhase::Pending,
        Some("Running") => PodPhase::Running,
        Some("Succeeded") => PodPhase::Succeeded,
        Some("Failed") => PodPhase::Failed,
        Some(_) => PodPhase::Unknown,
    };
    let meta = raw.metadata;
    let annotations = labels(meta.annotations.clone());
    let deletion_cost = match annotations.get("controller.kubernetes.io/pod-deletion-cost") {
        None => 0,
        Some(v) => v.trim().parse().map_err(|_| {
            field_err(
                object,
                "metadata.annotations.controller.kubernetes.io/pod-deletion-cost",
                format!("{v:?} is not a 32-bit integer"),
            )
        })?,
    };
    Ok(Pod {
        namespace: if meta.namespace.is_empty() {
            "default".into()
        } else {
            meta.namespace.clone()
        },
        name: require_name(&meta, object)?,
        uid: meta.uid.clone(),
        labels: labels(meta.labels.clone()),
        owner: owner(&meta.owner_references),
        requests: p.requests,
        node_selector: p.node_selector,
        required_node_affinity: p.required_node_affinity,
        preferred_node_affinity,
        pod_affinity: pod_affinity(
            &spec.affinity.pod_affinity,
            object,
            "spec.affinity.podAffinity",
        )?,
        pod_anti_affinity: pod_affinity(
            &spec.affinity.pod_anti_affinity,
            object,
            "spec.affinity.podAntiAffinity",
        )?,
        tolerations: p.tolerations,
        topology_spread,
        host_ports: p.host_ports,
        priority: spec.priority.unwrap_or(0),
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        phase,
        created: timestamp(
            &meta.creation_timestamp,
            object,
            "metadata.creationTimestamp",
        )?,
        started: timestamp(&raw.status.start_time, object, "status.startTime")?,
        terminating: meta.deletion_timestamp.is_some(),
        deletion_cost,
        do_not_disrupt: annotations.get("karpenter.sh/do-not-disrupt").cloned(),
    })
}

fn require_name(meta: &RawMeta, object: &ObjectRef) -> Result<String, Error> {
    if meta.name.is_empty() {
        Err(field_err(
            object,
            "metadata.name",
            "missing: every object needs a name",
        ))
    } else {
        Ok(meta.name.clone())
    }
}

fn condition_true(conditions: &[RawCondition], kind: &str) -> Option<bool> {
    conditions
        .iter()
        .find(|c| c.kind == kind)
        .map(|c| c.status == "True")
}

fn convert_node(raw: RawNode, object: &ObjectRef) -> Result<Node, Error> {
    let annotations = labels(raw.metadata.annotations.clone());
    Ok(Node {
        name: require_name(&raw.metadata, object)?,
        labels: labels(raw.metadata.labels.clone()),
        do_not_disrupt: annotations
            .get("karpenter.sh/do-not-disrupt")
            .is_some_and(|v| v == "true"),
        annotations,
        taints: taints(&raw.spec.taints, object, "spec.taints")?,
        allocatable: convert_resources(&raw.status.allocatable, object, "status.allocatable")?,
        capacity: convert_resources(&raw.status.capacity, object, "status.capacity")?,
        created: timestamp(
            &raw.metadata.creation_timestamp,
            object,
            "metadata.creationTimestamp",
        )?,
        unschedulable: raw.spec.unschedulable,
        deleting: raw.metadata.deletion_timestamp.is_some(),
        ready: condition_true(&raw.status.conditions, "Ready").unwrap_or(true),
    })
}

fn duration_or_never(
    raw: &Option<RawString>,
    object: &ObjectRef,
    field: &str,
    default: Option<i64>,
) -> Result<Option<i64>, Error> {
    match raw {
        None => Ok(default),
        Some(RawString(s)) if s == "Never" => Ok(None),
        Some(RawString(s)) => parse_duration_seconds(s).map(Some).ok_or_else(|| {
            field_err(
                object,
                field,
                format!(
                    "invalid duration {s:?} (expected a duration such as 30s, 5m, 720h, or Never)"
                ),
            )
        }),
    }
}

fn convert_node_pool(raw: RawNodePool, object: &ObjectRef) -> Result<NodePool, Error> {
    let name = require_name(&raw.metadata, object)?;
    let t = &raw.spec.template;
    let reqs = requirements(
        &t.spec.requirements,
        object,
        "spec.template.spec.requirements",
    )?;
    for (i, r) in t.spec.requirements.iter().enumerate() {
        let key = normalize_label_key(&r.key);
        if key == crate::labels::LABEL_HOSTNAME
            || (key.starts_with("karpenter.sh/") && key != crate::labels::LABEL_CAPACITY_TYPE)
        {
            return Err(field_err(
                object,
                format!("spec.template.spec.requirements[{i}].key"),
                format!("label {key:?} is restricted: a NodePool may not require it"),
            ));
        }
    }
    let d = &raw.spec.disruption;
    let consolidation_policy = match d.consolidation_policy.as_deref() {
        None | Some("WhenEmptyOrUnderutilized") => ConsolidationPolicy::WhenEmptyOrUnderutilized,
        Some("WhenEmpty") => ConsolidationPolicy::WhenEmpty,
        Some(other) => {
            return Err(field_err(
                object,
                "spec.disruption.consolidationPolicy",
                format!(
                    "unknown policy {other:?} (expected WhenEmpty or WhenEmptyOrUnderutilized)"
                ),
            ))
        }
    };
    let mut budgets = Vec::with_capacity(d.budgets.len());
    for (i, b) in d.budgets.iter().enumerate() {
        let field = format!("spec.disruption.budgets[{i}]");
        let nodes_text = b
            .nodes
            .as_ref()
            .map(|n| n.0.trim().to_owned())
            .unwrap_or_else(|| "10%".into());
        let nodes = match nodes_text.strip_suffix('%') {
            Some(p) => p.parse::<u32>().ok().filter(|&p| p <= 100).map(BudgetNodes::Percent),
            None => nodes_text.parse::<u32>().ok().map(BudgetNodes::Count),
        }
        .ok_or_else(|| field_err(object, format!("{field}.nodes"), format!("invalid value {nodes_text:?} (expected a count such as 5 or a percentage from 0% to 100%)")))?;
        let duration_seconds =
            duration_or_never(&b.duration, object, &format!("{field}.duration"), None)?;
        if b.schedule.is_some() != b.duration.is_some() {
            return Err(field_err(
                object,
                field,
                "schedule and duration must be given together",
            ));
        }
        for (j, r) in b.reasons.iter().enumerate() {
            if !matches!(r.as_str(), "Empty" | "Underutilized" | "Drifted") {
                return Err(field_err(
                    object,
                    format!("{field}.reasons[{j}]"),
                    format!("unknown reason {r:?} (expected Empty, Underutilized or Drifted)"),
                ));
            }
        }
        budgets.push(Budget {
            nodes,
            schedule: b.schedule.clone(),
            duration_seconds,
            reasons: b.reasons.clone(),
        });
    }
    let limits = convert_resources(&raw.spec.limits, object, "spec.limits")?;
    let weight = raw.spec.weight.unwrap_or(0);
    if !(0..=100).contains(&weight) {
        return Err(field_err(
            object,
            "spec.weight",
            format!("must be between 1 and 100, got {weight}"),
        ));
    }
    let annotations = labels(raw.metadata.annotations.clone());
    Ok(NodePool {
        name,
        labels: labels(t.metadata.labels.clone()),
        annotations: labels(t.metadata.annotations.clone()),
        requirements: reqs,
        taints: taints(&t.spec.taints, object, "spec.template.spec.taints")?,
        startup_taints: taints(
            &t.spec.startup_taints,
            object,
            "spec.template.spec.startupTaints",
        )?,
        node_class_ref: t.spec.node_class_ref.as_ref().map(|r| NodeClassRef {
            group: r.group.clone(),
            kind: r.kind.clone(),
            name: r.name.clone(),
        }),
        expire_after_seconds: duration_or_never(
            &t.spec.expire_after,
            object,
            "spec.template.spec.expireAfter",
            Some(720 * 3600),
        )?,
        weight,
        limits,
        disruption: Disruption {
            consolidation_policy,
            consolidate_after_seconds: duration_or_never(
                &d.consolidate_after,
                object,
                "spec.disruption.consolidateAfter",
                Some(0),
            )?,
            budgets,
        },
        hash: annotations.get("karpenter.sh/nodepool-hash").cloned(),
    })
}

fn convert_node_claim(raw: RawNodeClaim, object: &ObjectRef) -> Result<NodeClaim, Error> {
    let s = &raw.status;
    Ok(NodeClaim {
        name: require_name(&raw.metadata, object)?,
        labels: labels(raw.metadata.labels.clone()),
        annotations: labels(raw.metadata.annotations.clone()),
        requirements: requirements(&raw.spec.requirements, object, "spec.requirements")?,
        taints: taints(&raw.spec.taints, object, "spec.taints")?,
        startup_taints: taints(&raw.spec.startup_taints, object, "spec.startupTaints")?,
        requests: convert_resources(
            &raw.spec.resources.requests,
            object,
            "spec.resources.requests",
        )?,
        allocatable: s
            .allocatable
            .as_ref()
            .map(|a| convert_resources(a, object, "status.allocatable"))
            .transpose()?,
        capacity: s
            .capacity
            .as_ref()
            .map(|a| convert_resources(a, object, "status.capacity"))
            .transpose()?,
        node_name: s.node_name.clone().filter(|n| !n.is_empty()),
        created: timestamp(
            &raw.metadata.creation_timestamp,
            object,
            "metadata.creationTimestamp",
        )?,
        last_pod_event: timestamp(&s.last_pod_event_time, object, "status.lastPodEventTime")?,
        drifted: condition_true(&s.conditions, "Drifted").unwrap_or(false),
        deleting: raw.metadata.deletion_timestamp.is_some(),
    })
}

fn int_or_percent(
    raw: &Option<RawString>,
    object: &ObjectRef,
    field: &str,
) -> Result<Option<IntOrPercent>, Error> {
    let Some(RawString(s)) = raw else {
        return Ok(None);
    };
    let s = s.trim();
    let parsed = match s.strip_suffix('%') {
        Some(p) => p
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=100).contains(p))
            .map(IntOrPercent::Percent),
        None => s
            .parse::<i32>()
            .ok()
            .filter(|&n| n >= 0)
            .map(IntOrPercent::Int),
    };
    parsed.map(Some).ok_or_else(|| {
        field_err(
            object,
            field,
            format!("invalid value {s:?} (expected a non-negative integer or a percentage)"),
        )
    })
}

fn convert_pdb(raw: RawPdb, object: &ObjectRef) -> Result<PodDisruptionBudget, Error> {
    let min_available = int_or_percent(&raw.spec.min_available, object, "spec.minAvailable")?;
    let max_unavailable = int_or_percent(&raw.spec.max_unavailable, object, "spec.maxUnavailable")?;
    if min_available.is_some() && max_unavailable.is_some() {
        return Err(field_err(
            object,
            "spec",
            "minAvailable and maxUnavailable cannot both be set",
        ));
    }
    Ok(PodDisruptionBudget {
        namespace: if raw.metadata.namespace.is_empty() {
            "default".into()
        } else {
            raw.metadata.namespace.clone()
        },
        name: require_name(&raw.metadata, object)?,
        selector: raw
            .spec
            .selector
            .as_ref()
            .map(|s| selector(s, object, "spec.selector"))
            .transpose()?,
        min_available,
        max_unavailable,
    })
}

fn convert_daemon_set(raw: RawDaemonSet, object: &ObjectRef) -> Result<DaemonSet, Error> {
    let p = placement(&raw.spec.template.spec, object, "spec.template.spec")?;
    Ok(DaemonSet {
        namespace: if raw.metadata.namespace.is_empty() {
            "default".into()
        } else {
            raw.metadata.namespace.clone()
        },
        name: require_name(&raw.metadata, object)?,
        requests: p.requests,
        node_selector: p.node_selector,
        required_node_affinity: p.required_node_affinity,
        tolerations: p.tolerations,
        host_ports: p.host_ports,
        labels: labels(raw.spec.template.metadata.labels.clone()),
    })
}
