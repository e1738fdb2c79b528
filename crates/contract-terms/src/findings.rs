//! Findings: what the buyer establishes that opsclock cannot measure — that a fault caused a
//! major impact, that a late repair was for want of service capability, that the vendor refused a
//! handover — recorded by a person with evidence, and read by the rules that need them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a finding establishes. Each kind is one phrase the contracts use for a fact only the
/// buyer can establish; see the [crate docs](crate#findings-finding-and-needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// It caused a major impact, accident or loss (重大影响/重大事故/重大损失; 003 附件5 注1 treats
    /// the three as one: "“重大影响”、“重大事故”指造成事故并产生一定经济损失").
    MajorImpact,
    /// A problem occurred but caused no major impact (出现问题但未造成重大影响, 003 附件6).
    NoMajorImpact,
    /// It affected the normal business of the buyer or a user unit (影响甲方或用户单位正常业务运行,
    /// 004 八-4 情节严重 (2)).
    BusinessImpact,
    /// The cause was insufficient service capability (因工作服务能力不足, 004 八-4).
    InsufficientCapability,
    /// The buyer or a user unit was sanctioned by a superior or supervising body (受到上级处罚（通报、
    /// 整改等）, 004 八-3).
    ExternalSanction,
    /// The vendor or its staff broke the confidentiality duty (违反保密义务, 004 八-1).
    ConfidentialityBreach,
    /// Wage or third-party arrears led to claims against the buyer (拖欠工资或第三方款项, 004 八-2).
    WageArrears,
    /// The vendor refused or did not cooperate in the handover (拒不移交或不予配合, 004 八-6).
    RefusedHandover,
    /// The vendor refused to rectify (拒不整改, 004 八-7).
    RefusedRectification,
    /// After the security regulator's rectification notice the vendor did not handle it correctly
    /// (在安全监管部门已发出整改通知后未正确处置, 003 附件5-3, 附件6-4).
    RectificationMishandled,
    /// Data was lost (数据丢失, 003 附件5-2).
    DataLoss,
    /// The site was left unattended (现场无人值守, 003 附件5-8/9, 附件6-9/10); the finding carries
    /// the minutes.
    UnattendedSite,
    /// The monthly assessment score was below 60 (月考核得分低于 60 分, 003 附件6-11).
    LowMonthlyScore,
}

impl FindingKind {
    /// Every kind, in order.
    pub const ALL: &'static [FindingKind] = &[
        FindingKind::MajorImpact,
        FindingKind::NoMajorImpact,
        FindingKind::BusinessImpact,
        FindingKind::InsufficientCapability,
        FindingKind::ExternalSanction,
        FindingKind::ConfidentialityBreach,
        FindingKind::WageArrears,
        FindingKind::RefusedHandover,
        FindingKind::RefusedRectification,
        FindingKind::RectificationMishandled,
        FindingKind::DataLoss,
        FindingKind::UnattendedSite,
        FindingKind::LowMonthlyScore,
    ];

    /// The stable key used in contracts, APIs and the database (`"insufficient_capability"`).
    pub fn key(self) -> &'static str {
        match self {
            FindingKind::MajorImpact => "major_impact",
            FindingKind::NoMajorImpact => "no_major_impact",
            FindingKind::BusinessImpact => "business_impact",
            FindingKind::InsufficientCapability => "insufficient_capability",
            FindingKind::ExternalSanction => "external_sanction",
            FindingKind::ConfidentialityBreach => "confidentiality_breach",
            FindingKind::WageArrears => "wage_arrears",
            FindingKind::RefusedHandover => "refused_handover",
            FindingKind::RefusedRectification => "refused_rectification",
            FindingKind::RectificationMishandled => "rectification_mishandled",
            FindingKind::DataLoss => "data_loss",
            FindingKind::UnattendedSite => "unattended_site",
            FindingKind::LowMonthlyScore => "low_monthly_score",
        }
    }

    /// The contracts' words for it.
    pub fn label_zh(self) -> &'static str {
        match self {
            FindingKind::MajorImpact => "造成重大影响（重大事故/重大损失）",
            FindingKind::NoMajorImpact => "出现问题但未造成重大影响",
            FindingKind::BusinessImpact => "影响甲方或用户单位正常业务运行",
            FindingKind::InsufficientCapability => "因工作服务能力不足",
            FindingKind::ExternalSanction => "受到上级处罚（通报、整改等）",
            FindingKind::ConfidentialityBreach => "违反保密义务",
            FindingKind::WageArrears => "拖欠工资或第三方款项",
            FindingKind::RefusedHandover => "拒不移交或不予配合",
            FindingKind::RefusedRectification => "拒不整改",
            FindingKind::RectificationMishandled => "整改通知后未正确处置",
            FindingKind::DataLoss => "数据丢失",
            FindingKind::UnattendedSite => "现场无人值守",
            FindingKind::LowMonthlyScore => "月考核得分低于 60 分",
        }
    }

    /// The kind a finding of this kind rules out: 造成重大影响 and 未造成重大影响 exclude each
    /// other.
    pub fn excludes(self) -> Option<FindingKind> {
        match self {
            FindingKind::MajorImpact => Some(FindingKind::NoMajorImpact),
            FindingKind::NoMajorImpact => Some(FindingKind::MajorImpact),
            _ => None,
        }
    }

    /// What an exposure waiting on this finding says: `需认定：因工作服务能力不足
    /// (insufficient_capability)`.
    pub fn needed_note(self) -> String {
        format!("需认定：{} ({})", self.label_zh(), self.key())
    }

    /// The same in Chinese notes ([`crate::Outcome::notes_zh`]), without the key:
    /// `需认定：因工作服务能力不足`.
    pub fn needed_note_zh(self) -> String {
        format!("需认定：{}", self.label_zh())
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A string that is not a [`FindingKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a finding kind; expected one of: {keys}", keys = FindingKind::ALL.iter().map(|k| k.key()).collect::<Vec<_>>().join(", "))]
pub struct UnknownFindingKind(pub String);

impl FromStr for FindingKind {
    type Err = UnknownFindingKind;

    /// The key (`insufficient_capability`) or the Chinese label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FindingKind::ALL
            .iter()
            .copied()
            .find(|k| k.key() == s || k.label_zh() == s)
            .ok_or_else(|| UnknownFindingKind(s.to_owned()))
    }
}

/// A finding the buyer made, as the assessment reads it: only findings of the assessed month
/// that are not withdrawn are passed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Its id as people see it (`"F-12"`).
    pub id: String,
    /// What it establishes.
    pub kind: FindingKind,
    /// The ticket it is about; `None` for a finding about the period (the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// What was found, in a line.
    pub summary: String,
    /// How long, for [`FindingKind::UnattendedSite`], in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<f64>,
    /// The buyer found it serious (情节严重).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serious: bool,
}

impl Finding {
    /// How it reads as evidence: `F-12 (INC-2026-000017)`, or `F-3 (本月 / the month)` for a
    /// finding about the period.
    pub fn evidence(&self) -> String {
        match &self.ticket {
            Some(t) => format!("{} ({t})", self.id),
            None => format!("{} (本月 / the month)", self.id),
        }
    }

    /// The same in Chinese notes: `F-12（INC-2026-000017）`, `F-3（本月）`.
    pub fn evidence_zh(&self) -> String {
        match &self.ticket {
            Some(t) => format!("{}（{t}）", self.id),
            None => format!("{}（本月）", self.id),
        }
    }

    /// Whether it covers an occurrence behind `tickets`: it is about one of them, or about the
    /// whole period. An occurrence with no tickets (an average, an availability figure) is
    /// covered by any finding of the month.
    pub fn covers(&self, tickets: &[String]) -> bool {
        match &self.ticket {
            None => true,
            Some(t) => tickets.is_empty() || tickets.contains(t),
        }
    }
}
