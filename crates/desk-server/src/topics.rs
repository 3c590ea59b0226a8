//! The built-in topics for taxi-dispatch customers, loaded on a fresh server. The checks every
//! imported list passes (valid ids, both languages, no duplicates, **Other** last) are
//! desk-core's ([`desk_core::services::parse_topics`], [`desk_core::services::ordered_topics`]).

use desk_core::Core;
pub use desk_core::services::{ordered_topics as ordered, parse_topics as parse};

/// The topics a fresh server starts with (Ukrainian and English, urgent ones first).
pub const SEED_JSON: &str = include_str!("../seed/topics.json");

/// On a fresh database, loads the built-in topics.
pub async fn seed_if_empty(core: &Core) -> anyhow::Result<()> {
    let err = |e: desk_core::Error| anyhow::anyhow!("{}", e.en);
    if core.topics(true).await.map_err(err)?.is_empty() {
        let defs = parse(SEED_JSON).map_err(err)?;
        core.import_topics(&defs).await.map_err(err)?;
        tracing::info!(count = defs.len(), "seeded topics");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use desk_domain::OTHER_TOPIC_ID;

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
}
