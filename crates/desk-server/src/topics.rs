//! Topic lists: the built-in seed for taxi-dispatch customers and the checks any imported list
//! passes (valid ids, both languages, no duplicates, **Other** last).

use desk_domain::{OTHER_TOPIC_ID, TopicDef, TopicsFile};

use crate::error::ApiError;
use crate::store::Store;

/// The topics a fresh server starts with (Ukrainian and English, urgent ones first).
pub const SEED_JSON: &str = include_str!("../seed/topics.json");

/// Reads a topics file (`{"topics": [...]}`).
pub fn parse(text: &str) -> Result<Vec<TopicDef>, ApiError> {
    serde_json::from_str::<TopicsFile>(text)
        .map(|f| f.topics)
        .map_err(|e| ApiError::bad_request(format!("topics file: {e}")))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The list as it will be stored: checked, in file order, with `other` moved last.
pub fn ordered(defs: &[TopicDef]) -> Result<Vec<TopicDef>, ApiError> {
    let mut out: Vec<TopicDef> = Vec::with_capacity(defs.len());
    for d in defs {
        if !valid_id(&d.id) {
            return Err(ApiError::validation(
                format!(
                    "Ідентифікатор теми «{}» неприпустимий: лише малі латинські літери, цифри та дефіс, до 64 символів.",
                    d.id
                ),
                format!(
                    "Topic id “{}” is invalid: lowercase latin letters, digits and hyphens, at most 64.",
                    d.id
                ),
            ));
        }
        if [&d.title.uk, &d.title.en]
            .iter()
            .any(|t| t.trim().is_empty())
        {
            return Err(ApiError::validation(
                format!("Тема «{}» не має назви українською чи англійською.", d.id),
                format!("Topic “{}” lacks a Ukrainian or English title.", d.id),
            ));
        }
        if out.iter().any(|o| o.id == d.id) {
            return Err(ApiError::validation(
                format!("Тема «{}» трапляється двічі.", d.id),
                format!("Topic “{}” appears twice.", d.id),
            ));
        }
        out.push(d.clone());
    }
    let Some(i) = out.iter().position(|d| d.id == OTHER_TOPIC_ID) else {
        return Err(ApiError::validation(
            "Список тем має містити тему «other» (Інше): вона завжди остання.",
            "The topic list must contain the topic “other”: it always comes last.",
        ));
    };
    let other = out.remove(i);
    out.push(other);
    Ok(out)
}

/// On a fresh database, loads the built-in topics.
pub async fn seed_if_empty(store: &dyn Store) -> anyhow::Result<()> {
    if store
        .list_topics(true)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.en))?
        .is_empty()
    {
        let defs = parse(SEED_JSON).map_err(|e| anyhow::anyhow!("{}", e.en))?;
        store
            .import_topics(&defs)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.en))?;
        tracing::info!(count = defs.len(), "seeded topics");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_valid_and_ends_with_other() {
        let defs = ordered(&parse(SEED_JSON).expect("seed parses")).expect("seed is valid");
        assert!(defs.len() >= 8);
        assert_eq!(defs.last().map(|d| d.id.as_str()), Some(OTHER_TOPIC_ID));
        assert!(
            defs.iter()
                .any(|d| d.id == "program-unavailable" && d.urgent)
        );
        assert!(defs.iter().any(|d| d.id == "telephony-down" && d.urgent));
        assert!(
            defs.iter()
                .all(|d| !d.guidance.uk.is_empty() && !d.guidance.en.is_empty())
        );
    }

    #[test]
    fn other_moves_last_and_bad_lists_are_refused() {
        let mk = |id: &str| TopicDef {
            id: id.into(),
            title: desk_domain::Localized {
                uk: "Т".into(),
                en: "T".into(),
            },
            guidance: desk_domain::Localized {
                uk: String::new(),
                en: String::new(),
            },
            urgent: false,
        };
        let got = ordered(&[mk("other"), mk("a")]).expect("valid");
        assert_eq!(
            got.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            ["a", "other"]
        );
        assert!(ordered(&[mk("a")]).is_err());
        assert!(ordered(&[mk("a"), mk("a"), mk("other")]).is_err());
        assert!(ordered(&[mk("Bad Id"), mk("other")]).is_err());
    }
}
