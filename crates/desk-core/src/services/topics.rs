//! Topics: the checks any imported list passes (valid ids, both languages, no duplicates,
//! **Other** last) and the import that makes the stored list exactly that.

use desk_domain::{OTHER_TOPIC_ID, Topic, TopicDef, TopicsFile};
use tracing::instrument;

use crate::Core;
use crate::error::{Error, Result};
use crate::storage::{Audience, Entity};

/// Reads a topics file (`{"topics": [...]}`).
pub fn parse(text: &str) -> Result<Vec<TopicDef>> {
    serde_json::from_str::<TopicsFile>(text)
        .map(|f| f.topics)
        .map_err(|e| Error::bad_request(format!("topics file: {e}")))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The list as it will be stored: checked, in file order, with `other` moved last.
pub fn ordered(defs: &[TopicDef]) -> Result<Vec<TopicDef>> {
    let mut out: Vec<TopicDef> = Vec::with_capacity(defs.len());
    for d in defs {
        if !valid_id(&d.id) {
            return Err(Error::validation(
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
            return Err(Error::validation(
                format!("Тема «{}» не має назви українською чи англійською.", d.id),
                format!("Topic “{}” lacks a Ukrainian or English title.", d.id),
            ));
        }
        if out.iter().any(|o| o.id == d.id) {
            return Err(Error::validation(
                format!("Тема «{}» трапляється двічі.", d.id),
                format!("Topic “{}” appears twice.", d.id),
            ));
        }
        out.push(d.clone());
    }
    let Some(i) = out.iter().position(|d| d.id == OTHER_TOPIC_ID) else {
        return Err(Error::validation(
            "Список тем має містити тему «other» (Інше): вона завжди остання.",
            "The topic list must contain the topic “other”: it always comes last.",
        ));
    };
    let other = out.remove(i);
    out.push(other);
    Ok(out)
}

impl Core {
    /// Makes the topic list exactly `defs` (in that order, `other` last): new ones added, known
    /// ones updated, missing ones retired. Answers how many topics changed.
    #[instrument(skip_all, err)]
    pub async fn import_topics(&self, defs: &[TopicDef]) -> Result<usize> {
        let defs = ordered(defs)?;
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                let existing = tx.all_topics().await?;
                let mut changed = 0;
                for (pos, d) in defs.iter().enumerate() {
                    let pos = pos as i64;
                    let same = existing.iter().any(|e| {
                        e.id == d.id
                            && e.title == d.title
                            && e.guidance == d.guidance
                            && e.urgent == d.urgent
                            && e.position == pos
                            && e.active
                    });
                    if same {
                        continue;
                    }
                    tx.put_topic(d, pos, now).await?;
                    tx.record_changes(&[Entity::Topic(d.id.clone())], Audience::EVERYONE)
                        .await?;
                    changed += 1;
                }
                for e in existing
                    .iter()
                    .filter(|e| e.active && !defs.iter().any(|d| d.id == e.id))
                {
                    tx.retire_topic(&e.id, now).await?;
                    tx.record_changes(&[Entity::Topic(e.id.clone())], Audience::EVERYONE)
                        .await?;
                    changed += 1;
                }
                Ok(changed)
            })
        })
        .await
    }

    /// The topics offered for new tickets, in order (`include_retired`: the old ones too).
    #[instrument(skip_all, err)]
    pub async fn topics(&self, include_retired: bool) -> Result<Vec<Topic>> {
        self.storage.topics(include_retired).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
