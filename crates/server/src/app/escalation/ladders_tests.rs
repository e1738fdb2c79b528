//! Tests of [`super`]: which ladder a ticket escalates by.

use super::*;

#[test]
fn scopes_read_and_write_back() {
    for s in ["default", "shunyi-a", "shunyi-a:urgent"] {
        assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
    }
    assert!("shunyi-a:fatal".parse::<Scope>().unwrap_err().contains("fatal"));
    assert!("a/b".parse::<Scope>().unwrap_err().contains("default"));
    assert_eq!("shunyi-a:serious".parse::<Scope>().unwrap().policy(), Some("shunyi-a"));
}
