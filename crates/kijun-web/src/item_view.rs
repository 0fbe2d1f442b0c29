//! An assessment item as the API answers it: the stored item (key, level,
//! state, answer, review) with its requirement's fields from the catalog
//! (phase, category, subcategory, text, examples).
//!
//! The catalogs do not change while the server runs, so each requirement's
//! fields are serialised to JSON once, when the server starts
//! ([`RequirementJson::new`]), and written into every response as they
//! are; an item list passes the stored answers through unparsed
//! ([`kijun_store::assessment::RawItemRecord`]). The item list is the
//! API's most read response (docs/benchmarks.md, phase (g)).

use std::collections::HashMap;

use kijun_core::CatalogSet;
use kijun_core::catalog::Requirement;
use kijun_store::assessment::ItemRecord;
use serde::Serialize;
use serde_json::value::RawValue;

/// A requirement's catalog fields, each already serialised.
#[derive(Debug)]
struct Fields {
    phase: Box<RawValue>,
    category: Box<RawValue>,
    subcategory: Box<RawValue>,
    text: Box<RawValue>,
    examples: Box<RawValue>,
}

impl Fields {
    fn of(req: Option<&Requirement>) -> Result<Fields, serde_json::Error> {
        fn raw<T: Serialize>(v: T) -> Result<Box<RawValue>, serde_json::Error> {
            serde_json::value::to_raw_value(&v)
        }
        Ok(Fields {
            phase: raw(req.map(|r| r.phase))?,
            category: raw(req.and_then(|r| r.category.as_deref()))?,
            subcategory: raw(req.and_then(|r| r.subcategory.as_deref()))?,
            text: raw(req.map(|r| r.text.as_str()))?,
            examples: raw(req.map(|r| r.examples.iter().map(|e| e.text()).collect::<Vec<_>>()))?,
        })
    }
}

/// Every requirement's catalog fields as JSON, by catalog and requirement
/// id, built once from the server's catalogs.
#[derive(Debug)]
pub struct RequirementJson {
    by_catalog: HashMap<String, HashMap<String, Fields>>,
    /// For an item whose catalog or requirement is no longer loaded: every
    /// field `null`.
    unknown: Fields,
}

impl RequirementJson {
    pub fn new(catalogs: &CatalogSet) -> Result<RequirementJson, serde_json::Error> {
        let mut by_catalog = HashMap::new();
        for c in catalogs.iter() {
            let mut reqs = HashMap::with_capacity(c.requirements.len());
            for r in &c.requirements {
                reqs.insert(r.id.clone(), Fields::of(Some(r))?);
            }
            by_catalog.insert(c.id.clone(), reqs);
        }
        Ok(RequirementJson {
            by_catalog,
            unknown: Fields::of(None)?,
        })
    }

    fn fields(&self, catalog_id: &str, requirement_id: &str) -> &Fields {
        self.by_catalog
            .get(catalog_id)
            .and_then(|c| c.get(requirement_id))
            .unwrap_or(&self.unknown)
    }

    /// One item with its requirement, borrowing both.
    pub fn view<'a, A: Serialize>(&'a self, item: &'a ItemRecord<A>) -> ItemView<'a, A> {
        let f = self.fields(&item.key.catalog_id, &item.key.requirement_id);
        ItemView {
            catalog_id: &item.key.catalog_id,
            requirement_id: &item.key.requirement_id,
            party: &item.key.party,
            level: &item.level,
            phase: &f.phase,
            category: &f.category,
            subcategory: &f.subcategory,
            text: &f.text,
            examples: &f.examples,
            state: &item.state,
            answer: &item.answer,
            review_comment: item.review_comment.as_deref(),
            prefilled: item.prefilled,
            updated_at: item.updated_at,
        }
    }

    /// The items as one JSON array.
    pub fn list<A: Serialize>(
        &self,
        items: &[ItemRecord<A>],
    ) -> Result<Vec<u8>, serde_json::Error> {
        // About 1.5 KiB per item with its requirement text.
        let mut out = Vec::with_capacity(items.len() * 1536 + 2);
        let views: Vec<ItemView<'_, A>> = items.iter().map(|i| self.view(i)).collect();
        serde_json::to_writer(&mut out, &views)?;
        Ok(out)
    }
}

/// One item with its requirement, as the checklist shows it (the
/// requirement's fields are `null` when its catalog is not loaded).
#[derive(Serialize)]
pub struct ItemView<'a, A> {
    catalog_id: &'a str,
    requirement_id: &'a str,
    party: &'a str,
    level: &'a str,
    phase: &'a RawValue,
    category: &'a RawValue,
    subcategory: &'a RawValue,
    text: &'a RawValue,
    examples: &'a RawValue,
    state: &'a str,
    answer: &'a Option<A>,
    review_comment: Option<&'a str>,
    prefilled: bool,
    updated_at: jiff::Timestamp,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use kijun_core::control::ControlVocabulary;
    use kijun_store::assessment::{ItemKey, RawItemRecord};
    use serde_json::{Value, json};

    fn catalogs() -> CatalogSet {
        let controls = ControlVocabulary::builtin().expect("built-in controls load");
        CatalogSet::builtin(&controls).expect("built-in catalogs load")
    }

    fn item<A>(catalog: &str, requirement: &str, answer: Option<A>) -> ItemRecord<A> {
        ItemRecord {
            key: ItemKey {
                catalog_id: catalog.to_owned(),
                requirement_id: requirement.to_owned(),
                party: "provider".to_owned(),
            },
            level: "required".to_owned(),
            position: 3,
            answer,
            state: "returned".to_owned(),
            review_comment: Some("根拠資料を添付してください \"再提出\"".to_owned()),
            prefilled: true,
            updated_at: "2026-11-30T04:05:06.789Z".parse().expect("timestamp"),
        }
    }

    /// What the item JSON must be, built field by field from the catalog.
    fn expected(set: &CatalogSet, item: &ItemRecord, answer: Value) -> Value {
        let req = set
            .get(&item.key.catalog_id)
            .and_then(|c| c.requirement(&item.key.requirement_id));
        json!({
            "catalog_id": item.key.catalog_id,
            "requirement_id": item.key.requirement_id,
            "party": item.key.party,
            "level": item.level,
            "phase": req.map(|r| serde_json::to_value(r.phase).expect("phase")),
            "category": req.and_then(|r| r.category.clone()),
            "subcategory": req.and_then(|r| r.subcategory.clone()),
            "text": req.map(|r| r.text.clone()),
            "examples": req.map(|r| r.examples.iter().map(|e| e.text().to_owned()).collect::<Vec<_>>()),
            "state": item.state,
            "answer": answer,
            "review_comment": item.review_comment,
            "prefilled": item.prefilled,
            "updated_at": "2026-11-30T04:05:06.789Z",
        })
    }

    #[test]
    fn every_requirement_is_written_with_its_catalog_fields_and_the_answer_passes_through() {
        let set = catalogs();
        let index = RequirementJson::new(&set).expect("index builds");
        let answer = json!({"status": "implemented", "explanation": "改行\nと \"引用\" と \\ を含む説明", "evidence": []});
        let mut parsed = Vec::new();
        let mut raw: Vec<RawItemRecord> = Vec::new();
        for c in set.iter() {
            for r in &c.requirements {
                parsed.push(item(&c.id, &r.id, Some(answer.clone())));
                raw.push(item(
                    &c.id,
                    &r.id,
                    Some(RawValue::from_string(answer.to_string()).expect("raw answer")),
                ));
            }
        }
        // An item of a catalog no longer loaded, and one without an answer.
        parsed.push(item("retired-catalog", "X-1", None));
        raw.push(item("retired-catalog", "X-1", None));
        assert!(parsed.len() > 100, "all built-in requirements are covered");

        let want: Vec<Value> = parsed
            .iter()
            .map(|i| {
                let a = i.answer.clone().unwrap_or(Value::Null);
                expected(&set, i, a)
            })
            .collect();
        for body in [
            index.list(&parsed).expect("parsed list"),
            index.list(&raw).expect("raw list"),
        ] {
            let got: Vec<Value> = serde_json::from_slice(&body).expect("valid JSON");
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w);
            }
        }
        let last = want.last().expect("one item");
        assert_eq!(last["text"], Value::Null);
        assert_eq!(last["answer"], Value::Null);
        assert!(want[0]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }

    #[test]
    fn fields_are_those_of_the_documented_item_shape_in_its_order() {
        let set = catalogs();
        let index = RequirementJson::new(&set).expect("index builds");
        let c = set.iter().next().expect("a catalog");
        let one = item(
            &c.id,
            &c.requirements[0].id,
            Some(json!({"status": "planned"})),
        );
        let text = serde_json::to_string(&index.view(&one)).expect("serialises");
        // The documented item shape (the OpenAPI `AssessmentItem` schema).
        let doc = crate::openapi::document();
        let keys: Vec<&str> = doc["components"]["schemas"]["AssessmentItem"]["required"]
            .as_array()
            .expect("AssessmentItem lists its fields")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(keys.len(), 14, "{keys:?}");
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).expect("key present"))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        let written: serde_json::Map<String, Value> =
            serde_json::from_str(&text).expect("an object");
        assert_eq!(written.len(), keys.len(), "no undocumented field: {text}");
    }
}
