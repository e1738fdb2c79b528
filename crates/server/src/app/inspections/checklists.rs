//! Inspection checklists (巡检内容): what an engineer checks on a system, item by item.
//!
//! They are data: `config/checklists/*.toml` (format in `docs/inspections.md`), the shipped file
//! built into the binary for a deployment without the directory. A system uses the checklist its
//! catalogue entry names (`[systems.contract] checklist = "video"`), else [`GENERIC`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The shipped checklists (`config/checklists/checklists.toml`), compiled in.
pub const SHIPPED: &str = include_str!("../../../../../config/checklists/checklists.toml");

/// The checklist of a system that names none.
pub const GENERIC: &str = "generic";

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable key, what a recorded result names.
    pub key: String,
    /// The item in Chinese (the seed's words).
    pub zh: String,
    /// The item in English.
    pub en: String,
}

/// A checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// Stable code, what `[systems.contract] checklist` names.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Where its words come from.
    #[serde(default)]
    pub source: String,
    /// The items, in order.
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    checklists: Vec<Checklist>,
}

/// Every checklist, by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklists(BTreeMap<String, Checklist>);

impl Default for Checklists {
    /// The shipped ones.
    fn default() -> Checklists {
        Checklists::parse(&[("checklists.toml".into(), SHIPPED.into())]).unwrap_or(Checklists(BTreeMap::new()))
    }
}

impl Checklists {
    /// Reads `(file name, text)` pairs; fails naming the file and what is wrong: a file that
    /// does not read, a code twice, a checklist without items, an item key twice, no `generic`.
    pub fn parse(files: &[(String, String)]) -> Result<Checklists, String> {
        let mut out = BTreeMap::new();
        for (name, text) in files {
            let file: File = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            for c in file.checklists {
                if c.items.is_empty() {
                    return Err(format!("{name}: checklist {:?} has no items", c.code));
                }
                let mut keys = std::collections::BTreeSet::new();
                for i in &c.items {
                    if !keys.insert(i.key.as_str()) {
                        return Err(format!("{name}: checklist {:?} has item {:?} twice", c.code, i.key));
                    }
                }
                let code = c.code.clone();
                if out.insert(code.clone(), c).is_some() {
                    return Err(format!("{name}: checklist {code:?} is defined twice"));
                }
            }
        }
        if !out.contains_key(GENERIC) {
            return Err(format!(
                "no checklist {GENERIC:?}: it is the one of every system that names none"
            ));
        }
        Ok(Checklists(out))
    }

    /// Reads every `*.toml` file of `dir`, in name order.
    pub fn load_dir(dir: &Path) -> Result<Checklists, String> {
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                files.push((path.display().to_string(), text));
            }
        }
        files.sort();
        Checklists::parse(&files)
    }

    /// The checklist `code`, if there is one.
    pub fn get(&self, code: &str) -> Option<&Checklist> {
        self.0.get(code)
    }

    /// Every checklist, by code.
    pub fn all(&self) -> impl Iterator<Item = &Checklist> {
        self.0.values()
    }

    /// The code of the checklist a system with stored contract facts `profile` uses: its
    /// `checklist`, else [`GENERIC`].
    pub fn code_for(profile: Option<&serde_json::Value>) -> String {
        profile
            .and_then(|p| p.get("checklist"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or(GENERIC)
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_checklists_read() {
        let c = Checklists::default();
        let codes: Vec<&str> = c.all().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["generic", "software", "video"]);
        assert_eq!(c.get("software").unwrap().items[4].zh, "软件系统的业务质量：登录量");
    }

    #[test]
    fn a_broken_file_says_what_is_wrong() {
        let one = |text: &str| Checklists::parse(&[("x.toml".into(), text.into())]).unwrap_err();
        assert!(one("[[checklists]]\ncode = \"a\"\nname = \"A\"\nname_en = \"A\"\nitems = []\n").contains("no items"));
        let twice = "[[checklists]]\ncode = \"generic\"\nname = \"A\"\nname_en = \"A\"\n\
                     [[checklists.items]]\nkey = \"k\"\nzh = \"z\"\nen = \"e\"\n\
                     [[checklists.items]]\nkey = \"k\"\nzh = \"z\"\nen = \"e\"\n";
        assert!(one(twice).contains("item \"k\" twice"));
        let no_generic = "[[checklists]]\ncode = \"a\"\nname = \"A\"\nname_en = \"A\"\n\
                          [[checklists.items]]\nkey = \"k\"\nzh = \"z\"\nen = \"e\"\n";
        assert!(one(no_generic).contains("no checklist \"generic\""));
    }

    #[test]
    fn a_system_without_a_checklist_uses_the_generic_one() {
        assert_eq!(Checklists::code_for(None), "generic");
        let p = serde_json::json!({"checklist": "video"});
        assert_eq!(Checklists::code_for(Some(&p)), "video");
    }
}
