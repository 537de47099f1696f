//! Instance types, their offerings, and the catalog that holds them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::document::{from_value, parse_documents, RawQuantity, RawString};
use crate::error::{Error, ObjectRef};
use crate::labels::{Labels, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE};
use crate::quantity::parse_quantity;
use crate::resources::Resources;

/// How an instance is bought. The order of the variants is the launch preference: reserved
/// capacity first, then spot, then on-demand.
///
/// # Examples
/// ```
/// use karpenter_solver::CapacityType;
/// assert!(CapacityType::Reserved < CapacityType::Spot);
/// assert_eq!("on-demand".parse::<CapacityType>(), Ok(CapacityType::OnDemand));
/// assert_eq!(CapacityType::Spot.as_str(), "spot");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CapacityType {
    /// A capacity reservation: already paid for.
    Reserved,
    /// Spot capacity: cheap, interruptible.
    Spot,
    /// On-demand capacity.
    OnDemand,
}

impl CapacityType {
    /// All capacity types, in launch preference order.
    pub const ALL: [CapacityType; 3] = [
        CapacityType::Reserved,
        CapacityType::Spot,
        CapacityType::OnDemand,
    ];

    /// The `karpenter.sh/capacity-type` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityType::Reserved => "reserved",
            CapacityType::Spot => "spot",
            CapacityType::OnDemand => "on-demand",
        }
    }
}

impl fmt::Display for CapacityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CapacityType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reserved" => Ok(CapacityType::Reserved),
            "spot" => Ok(CapacityType::Spot),
            "on-demand" => Ok(CapacityType::OnDemand),
            other => Err(format!(
                "unknown capacity type {other:?} (expected reserved, spot or on-demand)"
            )),
        }
    }
}

/// One way to launch an instance type: a zone, a capacity type and an hourly price.
#[derive(Debug, Clone, PartialEq)]
pub struct Offering {
    /// Availability zone (`topology.kubernetes.io/zone`).
    pub zone: String,
    /// How the instance is bought.
    pub capacity_type: CapacityType,
    /// Price per hour. For reserved offerings, the cost of launching into the reservation.
    pub price: f64,
    /// Whether the cloud can launch it now.
    pub available: bool,
    /// The capacity reservation, for reserved offerings.
    pub reservation_id: Option<String>,
    /// How many instances the reservation can still launch, for reserved offerings.
    pub reservation_capacity: Option<u32>,
}

/// An instance type: its capacity, the part of it the node keeps for itself, its labels and
/// where and how it can be launched.
///
/// # Examples
/// ```
/// use karpenter_solver::{InstanceType, Resources};
/// let it = InstanceType {
///     name: "m5.large".into(),
///     capacity: Resources::from_pairs([("cpu", 2000), ("memory", 7577 << 20), ("pods", 29)]),
///     overhead: Resources::from_pairs([("cpu", 70), ("memory", 674 << 20)]),
///     labels: Default::default(),
///     offerings: vec![],
/// };
/// assert_eq!(it.allocatable().get("cpu"), 1930);
/// assert_eq!(it.allocatable().get("memory"), 6903 << 20);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    /// Name, such as `m5.large` (`node.kubernetes.io/instance-type`).
    pub name: String,
    /// What the node has, net of hypervisor overhead.
    pub capacity: Resources,
    /// kube-reserved + system-reserved + eviction threshold.
    pub overhead: Resources,
    /// Well-known labels the type carries (arch, os, family, ...). The instance type, zone and
    /// capacity type labels come from the name and the offerings.
    pub labels: Labels,
    /// Where and how it can be launched.
    pub offerings: Vec<Offering>,
}

impl InstanceType {
    /// What pods can use: capacity minus overhead, memory also minus hugepages, floored at zero
    /// (Karpenter's `Allocatable`).
    pub fn allocatable(&self) -> Resources {
        let mut a = self.capacity.clone();
        a.sub(&self.overhead);
        let hugepages: i64 = self
            .capacity
            .iter()
            .filter(|(n, _)| n.starts_with("hugepages-"))
            .map(|(_, v)| v)
            .sum();
        if hugepages > 0 {
            a.add_amount("memory", -hugepages);
        }
        let names: Vec<String> = a.names().map(str::to_owned).collect();
        for n in names {
            if a.get(&n) < 0 {
                a.set(n, 0);
            }
        }
        a
    }
}

/// The instance types a cloud offers. Parse it once and reuse it across solves.
///
/// # Examples
/// ```
/// use karpenter_solver::Catalog;
/// let catalog = Catalog::from_slice(br#"
/// - name: m5.large
///   capacity: {cpu: "2", memory: 7577Mi, pods: "29"}
///   overhead: {cpu: 70m, memory: 674Mi}
///   labels: {kubernetes.io/arch: amd64}
///   offerings:
///     - {zone: us-east-1a, capacityType: on-demand, price: 0.096}
/// "#).unwrap();
/// assert_eq!(catalog.instance_types[0].allocatable().get("cpu"), 1930);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// The instance types, in the order given.
    pub instance_types: Vec<InstanceType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawInstanceType {
    name: String,
    #[serde(default)]
    capacity: BTreeMap<String, RawQuantity>,
    #[serde(default)]
    overhead: BTreeMap<String, RawQuantity>,
    #[serde(default)]
    labels: BTreeMap<String, RawString>,
    #[serde(default)]
    offerings: Vec<RawOffering>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawOffering {
    zone: String,
    capacity_type: String,
    price: f64,
    #[serde(default)]
    available: Option<bool>,
    #[serde(default)]
    reservation_id: Option<String>,
    #[serde(default)]
    reservation_capacity: Option<u32>,
}

impl Catalog {
    /// Parses a catalog (contract section 2): a YAML or JSON list of instance types.
    ///
    /// # Errors
    /// [`Error::Syntax`] for malformed YAML or JSON; [`Error::InvalidField`],
    /// [`Error::InvalidQuantity`] or [`Error::NegativeQuantity`] naming the instance type and
    /// field otherwise.
    pub fn from_slice(bytes: &[u8]) -> Result<Catalog, Error> {
        let docs = parse_documents(bytes, "catalog")?;
        let mut items = Vec::new();
        for doc in docs {
            match doc {
                serde_json::Value::Array(list) => items.extend(list),
                serde_json::Value::Object(mut map) => {
                    // Accept `{instanceTypes: [...]}` and `{items: [...]}` wrappers too.
                    match map.remove("instanceTypes").or_else(|| map.remove("items")) {
                        Some(serde_json::Value::Array(list)) => items.extend(list),
                        _ => items.push(serde_json::Value::Object(map)),
                    }
                }
                other => {
                    return Err(Error::Document {
                        document: "catalog",
                        message: format!(
                            "expected a list of instance types, found {}",
                            crate::document::kind_of(&other)
                        ),
                    })
                }
            }
        }
        let mut instance_types = Vec::with_capacity(items.len());
        let mut seen = std::collections::HashSet::new();
        for (i, item) in items.into_iter().enumerate() {
            let name = item
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("[{i}]"));
            let object = ObjectRef::new("InstanceType", None, name);
            let raw: RawInstanceType = from_value(item, &object, "")?;
            if raw.name.is_empty() {
                return Err(invalid(&object, "name", "must not be empty"));
            }
            if !seen.insert(raw.name.clone()) {
                return Err(invalid(&object, "name", "instance type listed twice"));
            }
            instance_types.push(convert_instance_type(raw, &object)?);
        }
        Ok(Catalog { instance_types })
    }

    /// Finds an instance type by name.
    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.instance_types.iter().find(|t| t.name == name)
    }

    /// Writes the catalog in the contract's format (section 2) as JSON that
    /// [`Catalog::from_slice`] reads back to an equal catalog: a list with one instance type
    /// per line, keys in a fixed order, quantities in canonical form (zero amounts left out),
    /// `available` only when false. The `node.kubernetes.io/instance-type` label is left out,
    /// since reading derives it from the name.
    ///
    /// The same catalog always gives the same bytes. Prices are written in their shortest
    /// exact form; a non-finite price would be written as `null`, which reading refuses.
    ///
    /// # Examples
    /// ```
    /// use karpenter_solver::{CapacityType, Catalog, InstanceType, Offering, Resources};
    /// let catalog = Catalog {
    ///     instance_types: vec![InstanceType {
    ///         name: "m5.large".into(),
    ///         capacity: Resources::from_pairs([("cpu", 2000), ("memory", 7577 << 20)]),
    ///         overhead: Resources::from_pairs([("cpu", 70)]),
    ///         labels: [("kubernetes.io/arch".to_owned(), "amd64".to_owned())].into(),
    ///         offerings: vec![Offering {
    ///             zone: "us-east-1a".into(),
    ///             capacity_type: CapacityType::Spot,
    ///             price: 0.0336,
    ///             available: false,
    ///             reservation_id: None,
    ///             reservation_capacity: None,
    ///         }],
    ///     }],
    /// };
    /// let json = catalog.to_json();
    /// assert_eq!(json, concat!(
    ///     "[\n",
    ///     r#"{"name":"m5.large","capacity":{"cpu":"2","memory":"7577Mi"},"overhead":{"cpu":"70m"},"#,
    ///     r#""labels":{"kubernetes.io/arch":"amd64"},"#,
    ///     r#""offerings":[{"zone":"us-east-1a","capacityType":"spot","price":0.0336,"available":false}]}"#,
    ///     "\n]\n",
    /// ));
    /// let back = Catalog::from_slice(json.as_bytes()).unwrap();
    /// assert_eq!(back.instance_types[0].offerings, catalog.instance_types[0].offerings);
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, it) in self.instance_types.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let raw = SerInstanceType {
                name: &it.name,
                capacity: it.capacity.to_quantities(),
                overhead: it.overhead.to_quantities(),
                labels: it
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != LABEL_INSTANCE_TYPE)
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
                offerings: it
                    .offerings
                    .iter()
                    .map(|o| SerOffering {
                        zone: &o.zone,
                        capacity_type: o.capacity_type.as_str(),
                        price: o.price,
                        available: o.available,
                        reservation_id: o.reservation_id.as_deref(),
                        reservation_capacity: o.reservation_capacity,
                    })
                    .collect(),
            };
            // Plain structs of strings, numbers and string-keyed maps: serde_json cannot fail
            // on them.
            out.push_str(&serde_json::to_string(&raw).expect("instance type serializes"));
        }
        out.push_str(if self.instance_types.is_empty() {
            "]\n"
        } else {
            "\n]\n"
        });
        out
    }
}

/// The written form of an instance type; fields in the order they are written.
#[derive(Serialize)]
struct SerInstanceType<'a> {
    name: &'a str,
    capacity: BTreeMap<String, String>,
    overhead: BTreeMap<String, String>,
    labels: BTreeMap<&'a str, &'a str>,
    offerings: Vec<SerOffering<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SerOffering<'a> {
    zone: &'a str,
    capacity_type: &'static str,
    price: f64,
    #[serde(skip_serializing_if = "is_true")]
    available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation_capacity: Option<u32>,
}

fn is_true(b: &bool) -> bool {
    *b
}

fn invalid(object: &ObjectRef, field: &str, message: &str) -> Error {
    Error::InvalidField {
        object: object.clone(),
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Converts a map of quantities into resources, naming the field on error. Negative amounts are
/// refused: no request, capacity or overhead is below zero.
pub(crate) fn convert_resources(
    raw: &BTreeMap<String, RawQuantity>,
    object: &ObjectRef,
    field: &str,
) -> Result<Resources, Error> {
    let mut out = Resources::new();
    for (name, RawQuantity(text)) in raw {
        let path = format!("{field}.{name}");
        let v = parse_quantity(name, text.trim()).map_err(|reason| Error::InvalidQuantity {
            object: object.clone(),
            field: path.clone(),
            value: text.clone(),
            reason,
        })?;
        if v < 0 {
            return Err(Error::NegativeQuantity {
                object: object.clone(),
                field: path,
                value: text.clone(),
            });
        }
        out.set(name.clone(), v);
    }
    Ok(out)
}

fn convert_instance_type(raw: RawInstanceType, object: &ObjectRef) -> Result<InstanceType, Error> {
    let capacity = convert_resources(&raw.capacity, object, "capacity")?;
    let overhead = convert_resources(&raw.overhead, object, "overhead")?;
    let mut labels: Labels = raw
        .labels
        .into_iter()
        .map(|(k, RawString(v))| (k, v))
        .collect();
    // The offering-level labels are derived; a stale copy in `labels` would contradict them.
    labels.remove(LABEL_ZONE);
    labels.remove(LABEL_CAPACITY_TYPE);
    labels.insert(LABEL_INSTANCE_TYPE.to_owned(), raw.name.clone());
    let mut offerings = Vec::with_capacity(raw.offerings.len());
    for (i, o) in raw.offerings.into_iter().enumerate() {
        let field = format!("offerings[{i}]");
        let capacity_type: CapacityType = o
            .capacity_type
            .parse()
            .map_err(|m: String| invalid(object, &format!("{field}.capacityType"), &m))?;
        if !o.price.is_finite() || o.price < 0.0 {
            return Err(invalid(
                object,
                &format!("{field}.price"),
                "must be a finite number, zero or more",
            ));
        }
        if o.zone.is_empty() {
            return Err(invalid(
                object,
                &format!("{field}.zone"),
                "must not be empty",
            ));
        }
        offerings.push(Offering {
            zone: o.zone,
            capacity_type,
            price: o.price,
            available: o.available.unwrap_or(true),
            reservation_id: o.reservation_id,
            reservation_capacity: o.reservation_capacity,
        });
    }
    Ok(InstanceType {
        name: raw.name,
        capacity,
        overhead,
        labels,
        offerings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips() {
        let text = r#"
- name: m5.large
  capacity: {cpu: "2", memory: 7577Mi, pods: "29", ephemeral-storage: 20Gi, nvidia.com/gpu: 1}
  overhead: {cpu: 70m, memory: 674Mi, ephemeral-storage: 3Gi}
  labels: {kubernetes.io/arch: amd64, karpenter.k8s.aws/instance-hypervisor: "", "quote\"d": "a\\b"}
  offerings:
    - {zone: us-east-1a, capacityType: on-demand, price: 0.096}
    - {zone: us-east-1a, capacityType: spot, price: 0.0336, available: false}
    - {zone: us-east-1b, capacityType: reserved, price: 0.0000000096, reservationId: cr-123, reservationCapacity: 4}
- name: t.tiny
- name: a1.medium
  capacity: {cpu: 1500m, memory: "1000000001"}
  offerings:
    - {zone: z, capacityType: on-demand, price: 123.456789}
"#;
        let catalog = Catalog::from_slice(text.as_bytes()).unwrap();
        let json = catalog.to_json();
        assert_eq!(json.lines().count(), 5, "{json}");
        let back = Catalog::from_slice(json.as_bytes()).unwrap();
        assert_eq!(back, catalog);
        assert_eq!(back.to_json(), json);
        assert!(!json.contains(LABEL_INSTANCE_TYPE));
        assert!(json.contains(r#""reservationId":"cr-123","reservationCapacity":4"#));
        assert_eq!(Catalog::default().to_json(), "[]\n");
        assert_eq!(Catalog::from_slice(b"[]\n").unwrap(), Catalog::default());
    }
}
