//! A `changes` page as the engine pulls it: decoded item by item, with each stored kind's
//! items kept as the JSON the server sent, for the cache to store as they are.

use desk_domain::{ChangeData, ChangesPage};

/// A page's topics, tickets and messages, each kind a JSON array of the items as the server
/// sent them (empty when the page has none of that kind), in the page's order.
#[derive(Debug, Default, Clone)]
pub struct PageJson {
    pub topics: String,
    pub tickets: String,
    pub messages: String,
}

/// A `changes` page as pulled: the page, and each stored kind's items (topics, tickets,
/// messages) as a JSON array of the `data` the server sent, which the cache stores as they are
/// instead of serializing the decoded items again.
pub struct PulledPage {
    pub page: ChangesPage,
    pub json: PageJson,
}

impl PulledPage {
    /// Decodes a `changes` answer. Each item's `data` is decoded from its own slice of the
    /// body by its `kind` (the derived decoder of the flattened, tagged `Change` buffers every
    /// item into an intermediate tree first, which cost as much again).
    pub fn decode(body: &[u8]) -> Result<Self, serde_json::Error> {
        use serde::de::Error as _;
        use serde_json::value::RawValue;

        #[derive(serde::Deserialize)]
        struct WireChange<'a> {
            seq: i64,
            #[serde(borrow)]
            kind: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            data: &'a RawValue,
        }
        #[derive(serde::Deserialize)]
        struct WirePage<'a> {
            #[serde(borrow)]
            items: Vec<WireChange<'a>>,
            next: i64,
            has_more: bool,
        }
        fn push(array: &mut String, item: &RawValue) {
            array.push(if array.is_empty() { '[' } else { ',' });
            array.push_str(item.get());
        }

        let wire: WirePage = serde_json::from_slice(body)?;
        let mut json = PageJson::default();
        let mut items = Vec::with_capacity(wire.items.len());
        for c in wire.items {
            let raw = c.data.get();
            let entity = match c.kind.as_ref() {
                "topic" => {
                    push(&mut json.topics, c.data);
                    ChangeData::Topic(serde_json::from_str(raw)?)
                }
                "ticket" => {
                    push(&mut json.tickets, c.data);
                    ChangeData::Ticket(serde_json::from_str(raw)?)
                }
                "message" => {
                    push(&mut json.messages, c.data);
                    ChangeData::Message(serde_json::from_str(raw)?)
                }
                "incident" => ChangeData::Incident(serde_json::from_str(raw)?),
                "page" => ChangeData::Page(serde_json::from_str(raw)?),
                "duty" => ChangeData::Duty(serde_json::from_str(raw)?),
                "telegram_request" => ChangeData::TelegramRequest(serde_json::from_str(raw)?),
                other => {
                    return Err(serde_json::Error::unknown_variant(
                        other,
                        &[
                            "topic",
                            "ticket",
                            "message",
                            "incident",
                            "page",
                            "duty",
                            "telegram_request",
                        ],
                    ));
                }
            };
            items.push(desk_domain::Change { seq: c.seq, entity });
        }
        for array in [&mut json.topics, &mut json.tickets, &mut json.messages] {
            if !array.is_empty() {
                array.push(']');
            }
        }
        Ok(Self {
            page: ChangesPage {
                items,
                next: wire.next,
                has_more: wire.has_more,
            },
            json,
        })
    }
}
