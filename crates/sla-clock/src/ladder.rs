//! Escalation ladders: who hears about a clock, and when.
//!
//! A [`Ladder`] is a list of [`LadderStep`]s. Each step fires on a [`Trigger`]:
//!
//! | trigger | written | fires when |
//! |---|---|---|
//! | share of budget | `"50%"` | the clock has consumed `ceil(budget × 50 / 100)` of working time |
//! | breach | `"breach"` | the first instant after the deadline (a clock is breached when now > deadline) |
//! | after breach | `"every 1h after breach, 8 times"` | repeat *k* (1 ≤ *k* ≤ 8) when the clock has consumed budget + *k* × 1 h |
//!
//! Everything is measured on the clock's *consumed working time*, so a paused clock escalates no
//! further until it resumes, and a business-hours clock does not wake anyone at 3 a.m. to say it is
//! still breached. A stopped (met) or cancelled clock escalates nothing: its goal was reached or it
//! no longer applies, and a late "80 % used" email about a resolved ticket is noise.
//!
//! [`Ladder::evaluate`] answers, at an instant, which steps are due — each with its
//! [`DueStep::identity`] (clock, step, repeat) so that whoever sends them can record each exactly
//! once — and when the next one becomes due, so that a scheduler can sleep until then.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use sla_clock::{Calendar, Clock, Ladder};
//! # let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/calendars/24x7.toml")).unwrap();
//! let cal = Calendar::from_toml(&text).unwrap();
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
//!
//! let ladder = Ladder::default_ladder();
//! let clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "4h".parse().unwrap());
//! let e = ladder.evaluate(&clock, &cal, at("2026-11-23T12:30:00+08:00")).unwrap();
//! assert_eq!(e.due.len(), 1); // 50 % of 4 h was used at 12:00
//! assert_eq!(e.due[0].identity("T-1/repair"), "T-1/repair/half/0");
//! // 80 % of 4 h is 3 h 12 min after the start.
//! assert_eq!(cal.local(e.next_due_at.unwrap()).to_rfc3339(), "2026-11-23T13:12:00+08:00");
//! ```

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::{Calendar, CalendarError};
use crate::clock::{Clock, ClockError, Phase};
use crate::duration::SlaDuration;

/// When a ladder step fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// When this percentage (1–100) of the working-time budget has been consumed.
    Share {
        /// The percentage.
        percent: u32,
    },
    /// At the first instant after the deadline.
    Breach,
    /// Every `every` of further consumed working time after the deadline, at most `limit` times.
    AfterBreach {
        /// The interval, in minutes or hours.
        every: SlaDuration,
        /// How many repeats at most.
        limit: u32,
    },
}

const TRIGGER_FORMS: &str = "\"50%\" (share of budget, 1-100), \"breach\", \"every 30m after breach, 8 times\"";

impl FromStr for Trigger {
    type Err = LadderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |problem: &str| LadderError::Trigger {
            input: s.to_owned(),
            problem: problem.to_owned(),
        };
        let text = s.trim();
        if text.eq_ignore_ascii_case("breach") || text == "超时" {
            return Ok(Trigger::Breach);
        }
        if let Some(p) = text.strip_suffix('%') {
            let percent: u32 = p
                .trim()
                .parse()
                .map_err(|_| bad("the percentage is not a whole number"))?;
            if !(1..=100).contains(&percent) {
                return Err(bad(
                    "the percentage must be 1 to 100; use \"breach\" or \"every … after breach\" beyond",
                ));
            }
            return Ok(Trigger::Share { percent });
        }
        if let Some(rest) = text.strip_prefix("every ") {
            let (every, tail) = rest
                .split_once(" after breach")
                .ok_or_else(|| bad("missing \"after breach\""))?;
            let every: SlaDuration = every.trim().parse().map_err(|e| bad(&format!("{e}")))?;
            if !every.unit().is_working_time() || every.is_zero() {
                return Err(bad("the interval must be a positive number of minutes or hours"));
            }
            let tail = tail.trim().trim_start_matches(',').trim();
            let limit = tail
                .strip_suffix("times")
                .and_then(|n| n.trim().parse::<u32>().ok())
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("say how many times, e.g. \", 8 times\" (at least 1)"))?;
            return Ok(Trigger::AfterBreach { every, limit });
        }
        Err(bad("not a trigger"))
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Share { percent } => write!(f, "{percent}%"),
            Trigger::Breach => f.write_str("breach"),
            Trigger::AfterBreach { every, limit } => write!(f, "every {every} after breach, {limit} times"),
        }
    }
}

/// A role whose holder the server looks up for each ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The engineer the ticket is assigned to.
    Assignee,
    /// The on-duty lead of the roster at the time.
    OnDuty,
    /// The vendor's project manager.
    VendorManager,
    /// The head of the buyer's unit that owns the system.
    UnitHead,
    /// The buyer's operations lead.
    BuyerOpsLead,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Assignee,
        Role::OnDuty,
        Role::VendorManager,
        Role::UnitHead,
        Role::BuyerOpsLead,
    ];

    /// The name used in files and APIs.
    pub fn key(self) -> &'static str {
        match self {
            Role::Assignee => "assignee",
            Role::OnDuty => "on_duty",
            Role::VendorManager => "vendor_manager",
            Role::UnitHead => "unit_head",
            Role::BuyerOpsLead => "buyer_ops_lead",
        }
    }
}

/// Who a step notifies: a role, or a fixed address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// Whoever holds the role for the ticket.
    Role(Role),
    /// A fixed email address.
    Email(String),
}

impl FromStr for Recipient {
    type Err = LadderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(role) = Role::ALL.into_iter().find(|r| r.key() == t) {
            return Ok(Recipient::Role(role));
        }
        match t.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') && !t.contains(char::is_whitespace) => {
                Ok(Recipient::Email(t.to_owned()))
            }
            _ => Err(LadderError::Recipient(s.to_owned())),
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Role(r) => f.write_str(r.key()),
            Recipient::Email(e) => f.write_str(e),
        }
    }
}

/// How a step — or an event notice of the server's — reaches people: by email (every step,
/// unless told otherwise) and/or by SMS. Written `email` and `sms` in files and APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An email to each recipient's address.
    Email,
    /// A text message to each recipient who has a mobile number.
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    /// The name used in files and APIs.
    pub fn key(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// What a step without `channels` uses: email alone, as every ladder did before SMS.
    pub fn default_set() -> Vec<Channel> {
        vec![Channel::Email]
    }
}

impl FromStr for Channel {
    type Err = String;

    /// `email` or `sms`, else why not (`"fax" is not a channel; expected one of: email, sms`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL.into_iter().find(|c| c.key() == s.trim()).ok_or_else(|| {
            let keys: Vec<&str> = Channel::ALL.iter().map(|c| c.key()).collect();
            format!("{s:?} is not a channel; expected one of: {}", keys.join(", "))
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One rung of a ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderStep {
    /// A name unique in the ladder; part of each notification's identity, so keep it stable.
    pub id: String,
    /// When it fires.
    pub when: Trigger,
    /// Who it notifies.
    pub notify: Vec<Recipient>,
    /// How: [`Channel::default_set`] (email) unless the step says otherwise; never empty, no
    /// channel twice.
    pub channels: Vec<Channel>,
}

/// A ladder that does not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    /// A trigger could not be read.
    #[error("trigger {input:?}: {problem}; accepted forms: {TRIGGER_FORMS}")]
    Trigger {
        /// What was written.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A recipient is neither a role nor an address.
    #[error(
        "recipient {0:?} is neither a role (assignee, on_duty, vendor_manager, unit_head, buyer_ops_lead) nor an email address"
    )]
    Recipient(String),
    /// Two steps share an id.
    #[error("two steps are called {0:?}; step ids must be unique")]
    DuplicateId(String),
    /// A step id is empty or contains '/' (which separates the parts of an identity).
    #[error("step id {0:?} must be non-empty and must not contain '/'")]
    BadId(String),
    /// A step notifies nobody.
    #[error("step {0:?} notifies nobody")]
    NoRecipients(String),
    /// A step's channel is not one, is given twice, or the step has none; `field` names it
    /// (`steps[1].channels[0]`).
    #[error("{field}: {problem}")]
    Channel {
        /// The field, e.g. `steps[1].channels[0]`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// An escalation ladder: checked steps, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    steps: Vec<LadderStep>,
}

impl Ladder {
    /// A ladder of `steps`, checked: unique non-empty ids without '/', each notifying someone by
    /// at least one channel, none twice.
    pub fn new(steps: Vec<LadderStep>) -> Result<Ladder, LadderError> {
        let mut seen = HashSet::new();
        for (i, s) in steps.iter().enumerate() {
            if s.id.is_empty() || s.id.contains('/') {
                return Err(LadderError::BadId(s.id.clone()));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(LadderError::DuplicateId(s.id.clone()));
            }
            if s.notify.is_empty() {
                return Err(LadderError::NoRecipients(s.id.clone()));
            }
            check_channels(i, &s.channels)?;
        }
        Ok(Ladder { steps })
    }

    /// The ladder used when a policy names none: half the budget → the assignee; 80 % → the
    /// assignee, the on-duty lead and the vendor manager; breach → the assignee, the vendor manager
    /// and the buyer's unit head; then every hour of further working time, up to 8 times → the
    /// vendor manager, the unit head and the buyer's operations lead.
    pub fn default_ladder() -> Ladder {
        use Role::*;
        let step = |id: &str, when: Trigger, roles: &[Role]| LadderStep {
            id: id.to_owned(),
            when,
            notify: roles.iter().map(|r| Recipient::Role(*r)).collect(),
            channels: Channel::default_set(),
        };
        Ladder {
            steps: vec![
                step("half", Trigger::Share { percent: 50 }, &[Assignee]),
                step(
                    "warning",
                    Trigger::Share { percent: 80 },
                    &[Assignee, OnDuty, VendorManager],
                ),
                step("breach", Trigger::Breach, &[Assignee, VendorManager, UnitHead]),
                step(
                    "overdue",
                    Trigger::AfterBreach {
                        every: SlaDuration::new(1, crate::DurationUnit::Hours),
                        limit: 8,
                    },
                    &[VendorManager, UnitHead, BuyerOpsLead],
                ),
            ],
        }
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[LadderStep] {
        &self.steps
    }

    /// The steps due for `clock` at `now` and when the next becomes due (see the module docs).
    ///
    /// Every step whose instant is at or before `now` is listed, oldest first, however long ago it
    /// fell due: the caller records what it has sent by [`DueStep::identity`] and sends the rest,
    /// so nothing is lost while a scheduler or a mail server is down. `next_due_at` is the earliest
    /// instant after `now` at which another step becomes due, or `None` if none will unless the
    /// clock changes (paused, ended, ladder exhausted).
    pub fn evaluate(
        &self,
        clock: &Clock,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<LadderEvaluation, ClockError> {
        let now_ms = now.timestamp_millis();
        let runs = clock.runs(now_ms)?;
        let mut out = LadderEvaluation {
            due: Vec::new(),
            next_due_at: None,
        };
        if matches!(runs.phase, Phase::Stopped | Phase::Cancelled) {
            return Ok(out);
        }
        let budget = runs.budget(calendar, runs.target)?;
        let mut next: Option<i64> = None;
        let mut consider = |step: &LadderStep,
                            repeat: u32,
                            at: Option<i64>,
                            out: &mut LadderEvaluation|
         -> Result<bool, CalendarError> {
            match at {
                Some(t) if t <= now_ms => {
                    out.due.push(DueStep {
                        step: step.id.clone(),
                        repeat,
                        due_at: calendar.instant(t)?,
                        recipients: step.notify.clone(),
                    });
                    Ok(true)
                }
                Some(t) => {
                    next = Some(next.map_or(t, |n| n.min(t)));
                    Ok(false)
                }
                None => Ok(false),
            }
        };
        for step in &self.steps {
            match step.when {
                Trigger::Share { percent } => {
                    // ceil(budget × percent / 100); budget ≥ 0.
                    let amount = (budget * i64::from(percent) + 99) / 100;
                    consider(step, 0, runs.reach(calendar, amount)?, &mut out)?;
                }
                Trigger::Breach => {
                    let at = runs.reach(calendar, budget)?.map(|d| d + 1);
                    consider(step, 0, at, &mut out)?;
                }
                Trigger::AfterBreach { every, limit } => {
                    let every = every.working_millis().unwrap_or(0).max(1);
                    for k in 1..=limit {
                        let at = runs.reach(calendar, budget + i64::from(k) * every)?;
                        if !consider(step, k, at, &mut out)? {
                            break;
                        }
                    }
                }
            }
        }
        out.due.sort_by_key(|d| d.due_at);
        out.next_due_at = match (runs.phase, next) {
            (Phase::Running, Some(t)) => Some(calendar.instant(t)?),
            _ => None,
        };
        Ok(out)
    }
}

/// A step due for a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueStep {
    /// The step's id.
    pub step: String,
    /// 0 for a step that fires once; 1, 2, … for the repeats after breach.
    pub repeat: u32,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// Who to notify.
    pub recipients: Vec<Recipient>,
}

impl DueStep {
    /// The step's stable identity for the clock named `clock` (e.g. `"T-42/repair"`):
    /// `"{clock}/{step}/{repeat}"`. Record it when sending; never send an identity twice.
    pub fn identity(&self, clock: &str) -> String {
        format!("{clock}/{}/{}", self.step, self.repeat)
    }
}

/// What a ladder says about a clock at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderEvaluation {
    /// The steps due, oldest first.
    pub due: Vec<DueStep>,
    /// When the next step becomes due if nothing changes.
    pub next_due_at: Option<DateTime<Utc>>,
}

impl Serialize for Recipient {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Recipient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Trigger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The file form of a step: `{ id = "breach", when = "breach", notify = ["assignee"] }`, with
/// `channels = ["email", "sms"]` only where they are not email alone (so ladders written before
/// SMS read, and are stored, exactly as they were).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    id: String,
    when: Trigger,
    notify: Vec<Recipient>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channels: Option<Vec<String>>,
}

/// The file form of a ladder: `[[steps]]` tables.
#[derive(Serialize, Deserialize)]
struct LadderFile {
    steps: Vec<StepFile>,
}

impl Serialize for Ladder {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LadderFile {
            steps: self
                .steps
                .iter()
                .map(|st| StepFile {
                    id: st.id.clone(),
                    when: st.when,
                    notify: st.notify.clone(),
                    channels: (st.channels != Channel::default_set())
                        .then(|| st.channels.iter().map(|c| c.key().to_owned()).collect()),
                })
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Ladder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let file = LadderFile::deserialize(d)?;
        let mut steps = Vec::with_capacity(file.steps.len());
        for (i, s) in file.steps.into_iter().enumerate() {
            let channels = match s.channels {
                None => Channel::default_set(),
                Some(written) => read_channels(i, &written).map_err(serde::de::Error::custom)?,
            };
            steps.push(LadderStep {
                id: s.id,
                when: s.when,
                notify: s.notify,
                channels,
            });
        }
        Ladder::new(steps).map_err(serde::de::Error::custom)
    }
}

/// The channels written for step `i` (`["email", "sms"]`), or what is wrong with them, named by
/// the field: `steps[1].channels[0]: "fax" is not a channel; expected one of: email, sms`, a
/// channel given twice, or none at all.
pub fn read_channels(i: usize, written: &[String]) -> Result<Vec<Channel>, LadderError> {
    let channels = written
        .iter()
        .enumerate()
        .map(|(j, c)| {
            c.parse().map_err(|problem| LadderError::Channel {
                field: format!("steps[{i}].channels[{j}]"),
                problem,
            })
        })
        .collect::<Result<Vec<Channel>, LadderError>>()?;
    check_channels(i, &channels)?;
    Ok(channels)
}

/// Step `i`'s channels are at least one, none twice.
fn check_channels(i: usize, channels: &[Channel]) -> Result<(), LadderError> {
    if channels.is_empty() {
        return Err(LadderError::Channel {
            field: format!("steps[{i}].channels"),
            problem: "no channel: leave `channels` out for email alone, or name email and/or sms".into(),
        });
    }
    for (j, c) in channels.iter().enumerate() {
        if channels[..j].contains(c) {
            return Err(LadderError::Channel {
                field: format!("steps[{i}].channels[{j}]"),
                problem: format!("{:?} is given twice", c.key()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, calendar};

    fn ids(e: &LadderEvaluation) -> Vec<String> {
        e.due.iter().map(|d| format!("{}/{}", d.step, d.repeat)).collect()
    }

    #[test]
    fn triggers_parse_and_print_their_canonical_form() {
        for s in [
            "50%",
            "100%",
            "breach",
            "every 30m after breach, 8 times",
            "every 2h after breach, 1 times",
        ] {
            assert_eq!(s.parse::<Trigger>().unwrap().to_string(), s);
        }
        let err = "every 1wd after breach, 3 times"
            .parse::<Trigger>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("minutes or hours"), "{err}");
        let err = "120%".parse::<Trigger>().unwrap_err().to_string();
        assert!(err.contains("\"120%\"") && err.contains("accepted forms"), "{err}");
        assert!("every 1h after breach".parse::<Trigger>().is_err());
        assert!("soon".parse::<Trigger>().is_err());
    }

    #[test]
    fn recipients_are_roles_or_addresses() {
        assert_eq!("on_duty".parse::<Recipient>().unwrap(), Recipient::Role(Role::OnDuty));
        assert_eq!(
            "ops@example.cn".parse::<Recipient>().unwrap(),
            Recipient::Email("ops@example.cn".into())
        );
        let err = "boss".parse::<Recipient>().unwrap_err().to_string();
        assert!(err.contains("\"boss\"") && err.contains("vendor_manager"), "{err}");
    }

    #[test]
    fn ladders_are_checked() {
        let step = |id: &str, who: Vec<Recipient>| LadderStep {
            id: id.into(),
            when: Trigger::Breach,
            notify: who,
            channels: Channel::default_set(),
        };
        let me = || vec![Recipient::Role(Role::Assignee)];
        assert_eq!(
            Ladder::new(vec![step("a", me()), step("a", me())]),
            Err(LadderError::DuplicateId("a".into()))
        );
        assert_eq!(
            Ladder::new(vec![step("a/b", me())]),
            Err(LadderError::BadId("a/b".into()))
        );
        assert_eq!(
            Ladder::new(vec![step("a", vec![])]),
            Err(LadderError::NoRecipients("a".into()))
        );
    }

    #[test]
    fn ladders_read_from_toml_and_round_trip() {
        let text = r#"
            [[steps]]
            id = "warn"
            when = "75%"
            notify = ["assignee", "duty@example.cn"]
            [[steps]]
            id = "late"
            when = "every 30m after breach, 4 times"
            notify = ["unit_head"]
        "#;
        let ladder: Ladder = toml::from_str(text).unwrap();
        assert_eq!(ladder.steps()[0].when, Trigger::Share { percent: 75 });
        assert_eq!(ladder.steps()[0].notify[1], Recipient::Email("duty@example.cn".into()));
        let again: Ladder = toml::from_str(&toml::to_string(&ladder).unwrap()).unwrap();
        assert_eq!(again, ladder);
        let bad = toml::from_str::<Ladder>("[[steps]]\nid = \"x\"\nwhen = \"breach\"\nnotify = [\"boss\"]\n");
        assert!(bad.unwrap_err().to_string().contains("\"boss\""));
    }

    #[test]
    fn steps_go_by_email_unless_they_name_their_channels() {
        let text = "[[steps]]\nid = \"warn\"\nwhen = \"80%\"\nnotify = [\"assignee\"]\n\
                    [[steps]]\nid = \"late\"\nwhen = \"breach\"\nnotify = [\"on_duty\"]\nchannels = [\"email\", \"sms\"]\n";
        let ladder: Ladder = toml::from_str(text).unwrap();
        assert_eq!(ladder.steps()[0].channels, [Channel::Email]);
        assert_eq!(ladder.steps()[1].channels, [Channel::Email, Channel::Sms]);
        // Written back, a step by email alone says nothing of channels: stored ladders from before
        // SMS stay byte for byte what they were.
        let json = serde_json::to_value(&ladder).unwrap();
        assert!(json["steps"][0].get("channels").is_none(), "{json}");
        assert_eq!(json["steps"][1]["channels"], serde_json::json!(["email", "sms"]));
        assert_eq!(serde_json::from_value::<Ladder>(json).unwrap(), ladder);
        let old = serde_json::json!({"steps": [{"id": "b", "when": "breach", "notify": ["assignee"]}]});
        let read: Ladder = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), old);

        let refused = |channels: &str| {
            let t = format!(
                "[[steps]]\nid = \"a\"\nwhen = \"breach\"\nnotify = [\"assignee\"]\n\
                             [[steps]]\nid = \"b\"\nwhen = \"50%\"\nnotify = [\"assignee\"]\nchannels = {channels}\n"
            );
            toml::from_str::<Ladder>(&t).unwrap_err().to_string()
        };
        let err = refused(r#"["fax"]"#);
        assert!(
            err.contains(r#"steps[1].channels[0]: "fax" is not a channel; expected one of: email, sms"#),
            "{err}"
        );
        assert!(refused(r#"["sms", "sms"]"#).contains(r#"steps[1].channels[1]: "sms" is given twice"#));
        assert!(refused("[]").contains("steps[1].channels: no channel"));
        // A misspelt key is refused rather than read as email alone.
        let err = toml::from_str::<Ladder>(
            "[[steps]]\nid = \"a\"\nwhen = \"breach\"\nnotify = [\"assignee\"]\nchanels = [\"sms\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("chanels"), "{err}");
    }

    #[test]
    fn steps_fall_due_in_order_with_the_next_instant() {
        let cal = calendar("24x7");
        let ladder = Ladder::default_ladder();
        let clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "4h".parse().unwrap());

        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T11:59:59+08:00")).unwrap();
        assert!(e.due.is_empty());
        assert_eq!(e.next_due_at, Some(at("2026-11-23T12:00:00+08:00")));

        // At the deadline itself the clock is not yet breached.
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T14:00:00+08:00")).unwrap();
        assert_eq!(ids(&e), ["half/0", "warning/0"]);
        assert_eq!(e.next_due_at, Some(at("2026-11-23T14:00:00.001+08:00")));

        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T16:30:00+08:00")).unwrap();
        assert_eq!(ids(&e), ["half/0", "warning/0", "breach/0", "overdue/1", "overdue/2"]);
        assert_eq!(e.due[3].due_at, at("2026-11-23T15:00:00+08:00"));
        assert_eq!(e.next_due_at, Some(at("2026-11-23T17:00:00+08:00")));

        // After the last repeat nothing more is due.
        let e = ladder.evaluate(&clock, &cal, at("2026-11-24T10:00:00+08:00")).unwrap();
        assert_eq!(e.due.len(), 3 + 8);
        assert_eq!(e.next_due_at, None);
    }

    #[test]
    fn business_hours_clocks_escalate_in_working_time_only() {
        let cal = calendar("cn-5x8");
        let ladder = Ladder::default_ladder();
        // Friday 2026-11-20 15:00, 4 h: 2 h on Friday, 2 h on Monday → deadline Monday 11:00.
        let clock = Clock::start(at("2026-11-20T15:00:00+08:00"), "4h".parse().unwrap());
        let e = ladder.evaluate(&clock, &cal, at("2026-11-22T03:00:00+08:00")).unwrap();
        assert_eq!(ids(&e), ["half/0"]);
        assert_eq!(e.due[0].due_at, at("2026-11-20T17:00:00+08:00"));
        // 80 % = 3 h 12 min: 1 h 12 min into Monday.
        assert_eq!(e.next_due_at, Some(at("2026-11-23T10:12:00+08:00")));
        // Monday 17:30: breached at 11:00, repeats at 12:00 … 17:00; the next at Tuesday 10:00.
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T17:30:00+08:00")).unwrap();
        assert_eq!(e.due.iter().filter(|d| d.step == "overdue").count(), 6);
        assert_eq!(e.next_due_at, Some(at("2026-11-24T10:00:00+08:00")));
    }

    #[test]
    fn paused_clocks_wait_and_ended_clocks_send_nothing() {
        let cal = calendar("24x7");
        let ladder = Ladder::default_ladder();
        let mut clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "4h".parse().unwrap());
        clock
            .pause(at("2026-11-23T12:30:00+08:00"), "awaiting reporter")
            .unwrap();
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T20:00:00+08:00")).unwrap();
        assert_eq!(ids(&e), ["half/0"]);
        assert_eq!(e.next_due_at, None);

        clock.resume(at("2026-11-23T21:00:00+08:00")).unwrap();
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T21:00:00+08:00")).unwrap();
        // 80 % = 3 h 12 min; 2 h 30 min were used before the pause → 42 min after resuming.
        assert_eq!(e.next_due_at, Some(at("2026-11-23T21:42:00+08:00")));

        clock.stop(at("2026-11-23T21:10:00+08:00")).unwrap();
        let e = ladder.evaluate(&clock, &cal, at("2026-11-24T21:00:00+08:00")).unwrap();
        assert_eq!(
            e,
            LadderEvaluation {
                due: vec![],
                next_due_at: None
            }
        );
    }

    #[test]
    fn regrading_moves_pending_steps_and_keeps_identities() {
        let cal = calendar("24x7");
        let ladder = Ladder::default_ladder();
        let mut clock = Clock::start(at("2026-11-23T10:00:00+08:00"), "8h".parse().unwrap());
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        assert_eq!(e.next_due_at, Some(at("2026-11-23T14:00:00+08:00")));
        clock
            .retarget(
                at("2026-11-23T12:00:00+08:00"),
                "2h".parse().unwrap(),
                "upgraded to 紧急",
            )
            .unwrap();
        let e = ladder.evaluate(&clock, &cal, at("2026-11-23T12:00:00+08:00")).unwrap();
        // Measured from the original start: 50 % and 80 % of 2 h are already past; breach is next.
        assert_eq!(ids(&e), ["half/0", "warning/0"]);
        assert_eq!(e.next_due_at, Some(at("2026-11-23T12:00:00.001+08:00")));
    }

    #[test]
    fn immediate_targets_fire_shares_at_the_start() {
        let cal = calendar("24x7");
        let clock = Clock::start(at("2026-11-23T10:00:00+08:00"), SlaDuration::IMMEDIATE);
        let e = Ladder::default_ladder()
            .evaluate(&clock, &cal, at("2026-11-23T10:00:00+08:00"))
            .unwrap();
        assert_eq!(ids(&e), ["half/0", "warning/0"]);
        assert_eq!(e.next_due_at, Some(at("2026-11-23T10:00:00.001+08:00")));
        assert_eq!(e.due[0].identity("T-7/response"), "T-7/response/half/0");
    }
}
