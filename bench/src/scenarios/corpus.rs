//! Generated data for the client benchmarks: Ukrainian and English support text with a skewed,
//! realistic word distribution, tickets and messages shaped as the server sends them, and
//! `changes` pages of them. Everything is deterministic (seeded), so runs compare.

use std::collections::VecDeque;

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use desk_domain::{
    Change, ChangeData, ChangesPage, Channel, Message, PersonRef, Role, Ticket, TicketStatus,
};
use uuid::Uuid;

/// SplitMix64: small, fast, good enough for generated text.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// Ranks drawn with probability ∝ 1 / rank^s (Zipf), as words are in real text.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut acc = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                acc += 1.0 / (r as f64).powf(s);
                acc
            })
            .collect();
        Self { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|c| *c < x)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// Support vocabulary of a taxi-dispatch service, most frequent first (after the function
/// words, which lead).
#[rustfmt::skip]
const UK: &[&str] = &[
    "не", "у", "на", "і", "в", "з", "що", "та", "нас", "ми", "це", "вже", "після", "ще", "як",
    "для", "до", "від", "коли", "сьогодні", "програма", "диспетчер", "працює", "клієнт", "машина",
    "адреса", "зранку", "знову", "оплата", "тариф", "статус", "дзвінки", "телефон", "номер",
    "карта", "маршрут", "лінії", "пасажир", "помилка", "оновлення", "перевірте", "бачить",
    "показує", "зависає", "клієнта", "машини", "диспетчерська", "програми", "карткою", "готівкою",
    "тарифи", "статусі", "дзвінок", "номери", "маршруту", "пасажира", "помилку", "сервер",
    "перезапуск", "вчора", "хвилин", "години", "зміна", "звіт", "рахунок", "баланс", "знижка",
    "комісія", "налаштування", "доступ", "пароль", "логін", "акаунт", "геолокація", "навігатор",
    "онлайн", "офлайн", "приходять", "дублюються", "зникають", "скасовує", "скасування",
    "аеропорт", "вокзал", "очікування", "подачі", "подача", "час", "ціна", "вартість",
    "розрахунок", "чек", "квитанція", "повернення", "коштів", "терміново", "прохання",
    "перевірити", "дякую", "також", "тому", "весь", "день", "вечір", "ніч", "місто", "район",
    "вулиця", "будинок", "під'їзд", "оператор", "операторів", "черга", "черзі", "гарнітура",
    "мікрофон", "звук", "запис", "розмови", "IP", "телефонія", "SIP", "транк", "провайдер",
    "інтернет", "зв'язок", "обрив", "повільно", "довго", "швидко", "завантаження", "екран",
    "кнопка", "вікно", "звіти", "зміни", "статистика", "бонуси", "промокод", "тарифікація",
    "нічний", "денний", "міжміський", "багаж", "дитяче", "крісло", "тварини", "кондиціонер",
    "універсал", "мінівен", "бізнес", "економ", "комфорт", "партнер", "партнери", "виплата",
    "виплати", "штраф", "блокування", "розблокувати", "документи", "ліцензія", "страховка",
];

#[rustfmt::skip]
const EN: &[&str] = &[
    "the", "a", "is", "not", "to", "and", "in", "on", "we", "it", "our", "for", "after", "again",
    "since", "today", "app", "dispatcher", "customer", "car", "address", "payment", "fare",
    "status", "calls", "phone", "number", "map", "route", "line", "passenger", "error", "update",
    "shows", "stuck", "freezes", "card", "cash", "tariff", "invoice", "report", "shift",
    "balance", "discount", "fee", "settings", "access", "password", "login", "account", "gps",
    "navigator", "online", "offline", "duplicated", "missing", "cancelled", "cancel", "airport",
    "station", "waiting", "pickup", "dropoff", "time", "price", "receipt", "refund", "urgent",
    "check", "thanks", "also", "whole", "day", "night", "city", "street", "operator", "queue",
    "headset", "microphone", "sound", "recording", "sip", "trunk", "provider", "internet",
    "connection", "slow", "loading", "screen", "button", "window", "statistics", "bonus", "promo",
    "baggage", "child", "seat", "pets", "minivan", "business", "economy", "partner", "payout",
    "fine", "blocked", "unblock", "documents", "licence", "insurance",
];

const UK_ORDER: &[&str] = &[
    "замовлення",
    "замовлення",
    "замовлення",
    "замовлень",
    "замовленням",
];
const UK_DRIVER: &[&str] = &["водій", "водій", "водій", "водія", "водії", "водіїв"];
const EN_ORDER: &[&str] = &["order", "order", "orders"];
const EN_DRIVER: &[&str] = &["driver", "driver", "drivers"];
const UK_OPEN: &[&str] = &[
    "Добрий день!",
    "Вітаю!",
    "Доброго ранку.",
    "Доброго вечора.",
];
const EN_OPEN: &[&str] = &["Hello,", "Hi,", "Good morning,", "Good evening,"];

/// Share of messages written in English; the rest are Ukrainian.
pub const ENGLISH_SHARE: f64 = 0.2;
/// In Ukrainian messages: «будь ласка», a form of «замовлення», a form of «водій».
pub const P_PLEASE: f64 = 0.35;
pub const P_ORDER: f64 = 0.45;
pub const P_DRIVER: f64 = 0.40;

/// The text generator.
pub struct Text {
    uk_rare: Vec<String>,
    en_rare: Vec<String>,
    uk: Zipf,
    en: Zipf,
    rare_uk: Zipf,
    rare_en: Zipf,
}

impl Default for Text {
    fn default() -> Self {
        Self::new()
    }
}

impl Text {
    pub fn new() -> Self {
        let mut rng = Rng::new(7);
        let uk_rare = made_up_words(
            &mut rng,
            30_000,
            UK_SYLLABLES,
            &["", "", "ко", "енко", "ський"],
        );
        let en_rare = made_up_words(&mut rng, 10_000, EN_SYLLABLES, &["", "", "s", "er", "ing"]);
        Self {
            uk: Zipf::new(UK.len(), 1.0),
            en: Zipf::new(EN.len(), 1.0),
            rare_uk: Zipf::new(uk_rare.len(), 1.0),
            rare_en: Zipf::new(en_rare.len(), 1.0),
            uk_rare,
            en_rare,
        }
    }

    /// A rare word by frequency rank (0 = the most frequent of the rare ones).
    pub fn rare_word(&self, rank: usize) -> &str {
        &self.uk_rare[rank.min(self.uk_rare.len() - 1)]
    }

    /// A message body of 8–40 words, a fifth of them in English.
    pub fn message(&self, rng: &mut Rng) -> String {
        let english = rng.chance(ENGLISH_SHARE);
        let n = 8 + rng.below(33);
        let mut words: Vec<&str> = Vec::with_capacity(n + 8);
        for _ in 0..n {
            let x = rng.unit();
            let w: &str = if x < 0.70 {
                if english {
                    EN[self.en.sample(rng)]
                } else {
                    UK[self.uk.sample(rng)]
                }
            } else if x < 0.93 {
                if english {
                    &self.en_rare[self.rare_en.sample(rng)]
                } else {
                    &self.uk_rare[self.rare_uk.sample(rng)]
                }
            } else {
                ""
            };
            words.push(w);
        }
        let (please, order, driver): (&[&str], &[&str], &[&str]) = if english {
            (&["please"], EN_ORDER, EN_DRIVER)
        } else {
            (&["будь ласка"], UK_ORDER, UK_DRIVER)
        };
        for (p, forms) in [(P_PLEASE, please), (P_ORDER, order), (P_DRIVER, driver)] {
            if rng.chance(p) {
                let at = rng.below(words.len() + 1);
                words.insert(at, *rng.pick(forms));
            }
        }
        let mut out = String::with_capacity(n * 10);
        if rng.chance(0.3) {
            out.push_str(rng.pick::<&str>(if english { EN_OPEN } else { UK_OPEN }));
            out.push(' ');
        }
        let mut since_stop = 0;
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if w.is_empty() {
                // A number: an order, a car, a time.
                out.push_str(&(10_000 + rng.below(990_000)).to_string());
            } else {
                out.push_str(w);
            }
            since_stop += 1;
            if since_stop > 6 && rng.chance(0.15) && i + 1 < words.len() {
                out.push('.');
                since_stop = 0;
            }
        }
        out.push('.');
        if rng.chance(0.25) {
            out.push_str(if english { " Thanks." } else { " Дякую." });
        }
        out
    }

    /// A ticket subject of 3–8 words.
    pub fn subject(&self, rng: &mut Rng) -> String {
        let english = rng.chance(ENGLISH_SHARE);
        let n = 3 + rng.below(6);
        let mut words: Vec<String> = Vec::with_capacity(n);
        for i in 0..n {
            let w = if i == 0 && rng.chance(0.3) {
                if english {
                    "Order"
                } else {
                    "Замовлення"
                }
            } else if rng.chance(0.8) {
                if english {
                    EN[self.en.sample(rng)]
                } else {
                    UK[self.uk.sample(rng)]
                }
            } else if english {
                &self.en_rare[self.rare_en.sample(rng)]
            } else {
                &self.uk_rare[self.rare_uk.sample(rng)]
            };
            words.push(w.to_owned());
        }
        words.join(" ")
    }
}

#[rustfmt::skip]
const UK_SYLLABLES: &[&str] = &[
    "ба", "во", "ги", "да", "же", "за", "ка", "ле", "ми", "но", "пі", "ро", "са", "ту", "фе",
    "ха", "це", "чо", "ша", "ян", "бу", "ві", "гу", "до", "зе", "ко", "лу", "ма", "ні", "пе",
    "ри", "сю", "та", "хі", "чу", "ще", "юр", "ол", "ан", "ер",
];
#[rustfmt::skip]
const EN_SYLLABLES: &[&str] = &[
    "ba", "ko", "ri", "de", "lu", "ma", "ne", "po", "sa", "ti", "ve", "zo", "gra", "str", "pel",
    "mon", "tex", "dor", "fin", "lak",
];

fn made_up_words(rng: &mut Rng, n: usize, syllables: &[&str], endings: &[&str]) -> Vec<String> {
    (0..n)
        .map(|_| {
            let parts = 2 + rng.below(3);
            let mut w: String = (0..parts).map(|_| *rng.pick(syllables)).collect();
            w.push_str(rng.pick::<&str>(endings));
            w
        })
        .collect()
}

/// Whether a message matches each of a set of queries, as the search does: every query word a
/// prefix of some word in the text, case and the diacritics of й and ї ignored.
pub struct Counter {
    queries: Vec<Vec<String>>,
    pub hits: Vec<u64>,
    pub seen: u64,
}

impl Counter {
    pub fn new(queries: &[&str]) -> Self {
        Self {
            queries: queries
                .iter()
                .map(|q| q.split_whitespace().map(fold).collect())
                .collect(),
            hits: vec![0; queries.len()],
            seen: 0,
        }
    }

    pub fn observe(&mut self, text: &str) {
        self.seen += 1;
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(fold)
            .collect();
        for (q, hits) in self.queries.iter().zip(self.hits.iter_mut()) {
            if q.iter()
                .all(|p| words.iter().any(|w| w.starts_with(p.as_str())))
            {
                *hits += 1;
            }
        }
    }
}

fn fold(w: &str) -> String {
    w.to_lowercase()
        .chars()
        .map(|c| match c {
            'й' => 'и',
            'ї' => 'і',
            other => other,
        })
        .collect()
}

/// The people in generated data: one organisation's customer and an agent.
pub struct Cast {
    pub org_id: Uuid,
    pub org_name: String,
    pub customer: PersonRef,
    pub agent: PersonRef,
}

impl Default for Cast {
    fn default() -> Self {
        Self {
            org_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            org_name: "Таксі Бенч".into(),
            customer: PersonRef {
                id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002),
                name: "Олена Диспетчер".into(),
                role: Role::Customer,
            },
            agent: PersonRef {
                id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003),
                name: "Support Agent".into(),
                role: Role::Agent,
            },
        }
    }
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A time-ordered id (UUIDv7 layout) that is the same in every run: `kind` separates tickets,
/// messages and the replies of later pages.
pub fn id(kind: u16, n: u64, at: DateTime<Utc>) -> Uuid {
    let mut rest = [0u8; 10];
    rest[..2].copy_from_slice(&kind.to_be_bytes());
    rest[2..].copy_from_slice(&n.to_be_bytes());
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(ms, &rest).into_uuid()
}

pub const KIND_TICKET: u16 = 1;
pub const KIND_MESSAGE: u16 = 2;
pub const KIND_REPLY: u16 = 3;

/// Ticket `n` as the server describes it.
pub fn ticket(cast: &Cast, n: u64, subject: String, messages: i64, last: DateTime<Utc>) -> Ticket {
    let created = ticket_time(n);
    Ticket {
        id: id(KIND_TICKET, n, created),
        number: i64::try_from(n).unwrap_or(i64::MAX) + 1,
        subject,
        topic_id: crate::client::TOPIC.to_owned(),
        urgent: n.is_multiple_of(20),
        status: if messages > 1 {
            TicketStatus::InProgress
        } else {
            TicketStatus::New
        },
        organization_id: cast.org_id,
        organization_name: cast.org_name.clone(),
        requester: cast.customer.clone(),
        assignee: (messages > 1).then(|| cast.agent.clone()),
        created_at: created,
        updated_at: last,
        resolved_at: None,
        last_message_at: last,
        message_count: messages,
        incident_id: None,
        waiting: None,
    }
}

pub fn ticket_time(n: u64) -> DateTime<Utc> {
    base_time() + Span::seconds(i64::try_from(n).unwrap_or(0) * 30)
}

pub fn message(
    id: Uuid,
    ticket: Uuid,
    author: &PersonRef,
    body: String,
    at: DateTime<Utc>,
) -> Message {
    Message {
        id,
        ticket_id: ticket,
        author: author.clone(),
        body,
        internal: false,
        channel: Channel::App,
        created_at: at,
        attachments: Vec::new(),
    }
}

/// Tickets with their conversations (the first message from the customer, then replies
/// alternating agent and customer), as `changes` pages in the order the server would list them.
pub struct Feed<'a> {
    text: &'a Text,
    cast: &'a Cast,
    rng: Rng,
    tickets: u64,
    per_ticket: u64,
    next_ticket: u64,
    seq: i64,
    queued: VecDeque<Change>,
    pub counter: Option<Counter>,
}

impl<'a> Feed<'a> {
    /// `tickets` tickets with `per_ticket` messages each (the first included).
    pub fn new(text: &'a Text, cast: &'a Cast, tickets: u64, per_ticket: u64, seed: u64) -> Self {
        Self {
            text,
            cast,
            rng: Rng::new(seed),
            tickets,
            per_ticket: per_ticket.max(1),
            next_ticket: 0,
            seq: 0,
            queued: VecDeque::new(),
            counter: None,
        }
    }

    /// Rows (tickets + messages) the whole feed holds.
    pub fn rows(&self) -> u64 {
        self.tickets * (1 + self.per_ticket)
    }

    fn queue_ticket(&mut self) {
        let n = self.next_ticket;
        self.next_ticket += 1;
        let created = ticket_time(n);
        let tid = id(KIND_TICKET, n, created);
        let mut last = created;
        for j in 0..self.per_ticket {
            let at = created + Span::seconds(i64::try_from(j).unwrap_or(0) * 3);
            last = at;
            let author = if j % 2 == 0 {
                &self.cast.customer
            } else {
                &self.cast.agent
            };
            let body = self.text.message(&mut self.rng);
            if let Some(c) = self.counter.as_mut() {
                c.observe(&body);
            }
            let m = message(id(KIND_MESSAGE, n * 1_000 + j, at), tid, author, body, at);
            self.seq += 1;
            self.queued.push_back(Change {
                seq: self.seq,
                entity: ChangeData::Message(m),
            });
        }
        let subject = self.text.subject(&mut self.rng);
        let t = ticket(
            self.cast,
            n,
            subject,
            i64::try_from(self.per_ticket).unwrap_or(1),
            last,
        );
        self.seq += 1;
        self.queued.push_back(Change {
            seq: self.seq,
            entity: ChangeData::Ticket(t),
        });
    }

    /// The next page of at most `per_page` changes; `None` when the feed is done.
    pub fn next_page(&mut self, per_page: usize) -> Option<ChangesPage> {
        while self.queued.len() < per_page && self.next_ticket < self.tickets {
            self.queue_ticket();
        }
        if self.queued.is_empty() {
            return None;
        }
        let take = per_page.min(self.queued.len());
        let items: Vec<Change> = self.queued.drain(..take).collect();
        let next = items.last().map(|c| c.seq).unwrap_or(self.seq);
        Some(ChangesPage {
            items,
            next,
            has_more: !self.queued.is_empty() || self.next_ticket < self.tickets,
        })
    }
}

/// A page as a pull right after `replies` replies would bring it: each new message followed by
/// its ticket's new state. Replies go to tickets `first_ticket..` (wrapping at `within`).
pub fn replies_page(
    cast: &Cast,
    round: u64,
    replies: u64,
    within: u64,
    per_ticket: u64,
    seq: i64,
) -> ChangesPage {
    let mut items = Vec::with_capacity(usize::try_from(replies * 2).unwrap_or(0));
    let mut seq = seq;
    let now = Utc::now();
    for k in 0..replies {
        let n = (round * replies + k) % within.max(1);
        let created = ticket_time(n);
        let tid = id(KIND_TICKET, n, created);
        let m = message(
            id(KIND_REPLY, round * 1_000 + k, now),
            tid,
            &cast.agent,
            format!(
                "Перевірили: після оновлення замовлення знову розподіляються, водії їх бачать \
                 (перевірка {round}-{k})."
            ),
            now,
        );
        seq += 1;
        items.push(Change {
            seq,
            entity: ChangeData::Message(m),
        });
        let count = i64::try_from(per_ticket + round + 1).unwrap_or(i64::MAX);
        let t = ticket(
            cast,
            n,
            format!("Замовлення не розподіляються ({n})"),
            count,
            now,
        );
        seq += 1;
        items.push(Change {
            seq,
            entity: ChangeData::Ticket(t),
        });
    }
    ChangesPage {
        items,
        next: seq,
        has_more: false,
    }
}
