//! Pages as people reach them (issue 26): an escalation mail's link opens the ticket's page,
//! through the sign-in page and back; a form posted after the session ran out comes back to its
//! page with the action to confirm, never to a GET on a POST-only address; the new-ticket form
//! sent twice opens one ticket; an untouched new-ticket form proposes nothing.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use opsclock::app::escalation::Links;
use opsclock::app::escalation::sweep::Sweeper;
use opsclock::db::entities::outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

/// One answer: status, headers, the page.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("a redirect, got {}: {}", self.status, self.html))
    }

    /// The value of the first `name="…" … value="…"` field (hidden fields as the pages write them).
    fn field(&self, name: &str) -> String {
        let at = self
            .html
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no field {name} in {}", self.html));
        let rest = &self.html[at..];
        let end = rest.find('>').unwrap();
        rest[..end]
            .split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .map(unescape)
            .unwrap_or_else(|| panic!("field {name} has no value"))
    }
}

/// A browser without script: keeps cookies, sends forms, follows nothing by itself.
struct Browser {
    router: Router,
    jar: BTreeMap<String, String>,
}

impl Browser {
    fn new(t: &Harness) -> Browser {
        Browser {
            router: t.router.clone(),
            jar: BTreeMap::new(),
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let cookies = self
            .jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookies);
        let body = match form {
            Some(fields) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", encode(v)))
                    .collect::<Vec<_>>()
                    .join("&")
            }
            None => String::new(),
        };
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        for c in parts.headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: parts.status,
            headers: parts.headers,
            html: String::from_utf8_lossy(&body.collect().await.unwrap().to_bytes()).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(fields)).await
    }

    /// Signs in on the sign-in page `login` (which carries `next`); returns the answer.
    async fn sign_in(&mut self, login: &str, who: &str) -> Page {
        let form = self.get(login).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        let (csrf, next) = (form.field("csrf"), form.field("next"));
        let password = format!("password-of-{who}");
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", &next),
                ("username", who),
                ("password", &password),
            ],
        )
        .await
    }
}

/// An attribute's value as the browser reads it (the templates escape `/` too).
fn unescape(v: &str) -> String {
    v.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn count(t: &Harness) -> usize {
    let list = t.get("mgr_a", "/api/v1/tickets").await.expect(StatusCode::OK);
    list["items"].as_array().unwrap().len()
}

async fn status_of(t: &Harness, number: &str) -> String {
    let v = t
        .get("eng_a", &format!("/api/v1/tickets/{number}"))
        .await
        .expect(StatusCode::OK);
    v["status"].as_str().unwrap().to_owned()
}

both!(
    an_escalation_mail_opens_the_ticket_page_through_sign_in,
    |t: Harness| async move {
        // An urgent fault on System A (response 15m) left alone for 20 minutes: the sweep queues
        // the 50 %, 80 % and breach steps at once.
        let v = t.open("mgr_a", "SA", "fault", "urgent").await;
        let number = v["number"].as_str().unwrap().to_owned();
        t.time.advance(TimeDelta::minutes(20));
        let sweeper = Sweeper {
            db: t.state.db.clone(),
            calendars: t.state.calendars.clone(),
            time: t.time.clone(),
            links: Links::new(Some("https://ops.example.cn/"), "127.0.0.1:8080", "ops.test".into()),
            batch: 100,
            notices: Default::default(),
        };
        sweeper.sweep().await.unwrap();
        let mails: Vec<outbox::Model> = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("escalation"))
            .filter(outbox::Column::Clock.eq("response"))
            .all(&t.state.db)
            .await
            .unwrap();
        assert_eq!(
            mails.len(),
            3,
            "{:?}",
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        // Due together, told apart: three subjects, each step saying it is sent late.
        let subjects: std::collections::BTreeSet<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(subjects.len(), 3, "{subjects:?}");
        let link = format!("https://ops.example.cn/tickets/{number}");
        for m in &mails {
            assert!(
                m.body_text.contains(&format!("查看并处理工单：{link}\n")),
                "{}",
                m.body_text
            );
            assert!(m.body_html.contains(&format!("href=\"{link}\"")));
            assert!(m.body_html.contains("name=\"viewport\""));
            assert!(m.body_text.contains("已超时，请立即响应"), "{}", m.body_text);
            assert!(!m.body_text.contains("/api/v1/"));
        }
        let late = mails.iter().find(|m| m.step.as_deref() != Some("breach")).unwrap();
        assert!(late.body_text.contains("现补发"), "{}", late.body_text);

        // Signed out, the link leads to the sign-in page, which leads back to the ticket.
        let path = link.strip_prefix("https://ops.example.cn").unwrap();
        let mut b = Browser::new(&t);
        let first = b.get(path).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        assert_eq!(first.location(), format!("/login?next=/tickets/{number}"));
        let signed_in = b.sign_in(first.location(), "eng_a").await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.html);
        assert_eq!(signed_in.location(), path);
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        // And the one action the mail asks for can be taken there.
        let (csrf, version) = (page.field("csrf"), page.field("version"));
        let acked = b
            .post(
                &format!("{path}/act/acknowledge"),
                &[("csrf", &csrf), ("version", &version)],
            )
            .await;
        assert_eq!(acked.status, StatusCode::SEE_OTHER, "{}", acked.html);
        assert_eq!(status_of(&t, &number).await, "acknowledged");

        // `next` leads only to this site.
        for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
            let mut b = Browser::new(&t);
            let answer = b.sign_in(&format!("/login?next={}", encode(evil)), "eng_a").await;
            assert_eq!(answer.location(), "/board", "{evil}");
        }

        // A first sign-in with a one-time password: set one's own, then on to the ticket.
        {
            use opsclock::db::entities::users;
            use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
            let u = users::Entity::find_by_id(t.user_ids["eng_a"])
                .one(&t.db.db)
                .await
                .unwrap()
                .unwrap();
            let mut am = u.into_active_model();
            am.must_change_password = Set(true);
            am.update(&t.db.db).await.unwrap();
        }
        let mut b = Browser::new(&t);
        let first = b.get(path).await;
        let signed_in = b.sign_in(first.location(), "eng_a").await;
        assert_eq!(signed_in.location(), path);
        let held = b.get(path).await;
        assert_eq!(held.status, StatusCode::SEE_OTHER);
        let to_form = format!("/me/password?next={path}");
        assert_eq!(held.location(), to_form);
        let form = b.get(&to_form).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        assert_eq!(form.field("next"), path);
        let set = b
            .post(
                "/me/password",
                &[
                    ("csrf", &form.field("csrf")),
                    ("next", &form.field("next")),
                    ("current", "password-of-eng_a"),
                    ("new", "a-new-password-1"),
                    ("confirm", "a-new-password-1"),
                ],
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.html);
        assert_eq!(set.location(), path, "back to the ticket the mail linked to");
        assert_eq!(b.get(path).await.status, StatusCode::OK);
        // The form never sends anyone back to itself or off the site.
        for odd in ["/me/password", "//evil.example/x"] {
            let page = b.get(&format!("/me/password?next={}", encode(odd))).await;
            assert_eq!(page.field("next"), "/board", "{odd}");
        }
    }
);

both!(
    an_action_posted_after_the_session_ran_out_waits_to_be_confirmed,
    |t: Harness| async move {
        let v = t.open("mgr_a", "SA", "fault", "general").await;
        let number = v["number"].as_str().unwrap().to_owned();
        let mut b = Browser::new(&t);
        b.sign_in(&format!("/login?next=/tickets/{number}"), "eng_a").await;
        let page = b.get(&format!("/tickets/{number}")).await;
        let (csrf, version) = (page.field("csrf"), page.field("version"));
        // The session ends (12 hours), the page stays open, and 响应 is pressed.
        t.time.advance(TimeDelta::hours(13));
        let pressed = b
            .post(
                &format!("/tickets/{number}/act/acknowledge"),
                &[("csrf", &csrf), ("version", &version)],
            )
            .await;
        assert_eq!(pressed.status, StatusCode::SEE_OTHER);
        let login = pressed.location().to_owned();
        assert_eq!(
            login,
            format!("/login?next=/tickets/{number}%3Fconfirm%3Dacknowledge&resume=1")
        );
        let form = b.get(&login).await;
        assert!(form.html.contains("id=\"login-notice\""), "{}", form.html);
        assert!(form.html.contains("请重新确认操作"));
        // Signed in again: the ticket, not a GET on the action; nothing was done yet.
        let signed_in = b.sign_in(&login, "eng_a").await;
        let back = signed_in.location().to_owned();
        assert_eq!(back, format!("/tickets/{number}?confirm=acknowledge"));
        assert_eq!(status_of(&t, &number).await, "new");
        let page = b.get(&back).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("请确认后点击「响应」"), "{}", page.html);
        assert!(
            page.html
                .contains("class=\"action to-confirm\" data-action=\"acknowledge\""),
            "{}",
            page.html
        );
        let (csrf, version) = (page.field("csrf"), page.field("version"));
        let done = b
            .post(
                &format!("/tickets/{number}/act/acknowledge"),
                &[("csrf", &csrf), ("version", &version)],
            )
            .await;
        assert_eq!(done.location(), format!("/tickets/{number}"));
        assert_eq!(status_of(&t, &number).await, "acknowledged");
        // Come back to confirm an action that is no longer possible: said, nothing marked.
        let page = b.get(&back).await;
        assert!(page.html.contains("该操作现已不可执行"), "{}", page.html);
        assert!(!page.html.contains("to-confirm"));
        // A form of another page resumes on a page, never on its own POST-only address.
        let mut stranger = Browser::new(&t);
        let answer = stranger.post("/tickets/new", &[("title", "x")]).await;
        assert_eq!(answer.location(), "/login?next=/tickets/new&resume=1");
    }
);

both!(
    the_new_ticket_form_sent_twice_opens_one_ticket,
    |t: Harness| async move {
        let before = count(&t).await;
        let mut b = Browser::new(&t);
        b.sign_in("/login?next=/tickets/new", "mgr_a").await;
        let form = b.get("/tickets/new").await;
        let (csrf, once) = (form.field("csrf"), form.field("once"));
        assert!(once.starts_with("nt_"), "{once}");
        // No answer is preset: an untouched form proposes nothing and opens nothing.
        for input in form
            .html
            .split("<input")
            .filter(|i| i.contains("name=\"core_function\"") || i.contains("name=\"users_affected\""))
        {
            let tag = &input[..input.find('>').unwrap()];
            assert!(!tag.contains("checked") && tag.contains("required"), "{tag}");
        }
        let untouched = [
            ("csrf", csrf.as_str()),
            ("once", &once),
            ("system", "SA"),
            ("kind", "request"),
            ("title", "申请新增一个 OA 账号"),
        ];
        let preview = b.post("/tickets/new/preview", &untouched).await;
        assert!(preview.html.contains("请先回答第 3 步"), "{}", preview.html);
        assert!(!preview.html.contains("紧急"));
        let refused = b.post("/tickets/new", &untouched).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("请先回答第 3 步"));
        assert_eq!(refused.field("once"), once, "the refused form keeps its token");
        assert_eq!(count(&t).await, before);

        // Answered and sent: one ticket. Back, and sent again: the same ticket, said so.
        let mut answered = untouched.to_vec();
        answered.extend([("core_function", "fine"), ("users_affected", "none")]);
        let opened = b.post("/tickets/new", &answered).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
        let page = opened.location().to_owned();
        assert!(page.starts_with("/tickets/REQ-"), "a service request: {page}");
        let again = b.post("/tickets/new", &answered).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
        assert_eq!(again.location(), page);
        let shown = b.get(&page).await;
        assert!(shown.html.contains("此表单已提交过"), "{}", shown.html);
        assert_eq!(count(&t).await, before + 1);
        // The mildest answers propose the mildest severity.
        let number = page.trim_start_matches("/tickets/");
        let v = t
            .get("mgr_a", &format!("/api/v1/tickets/{number}"))
            .await
            .expect(StatusCode::OK);
        assert_ne!(v["severity"], json!("urgent"), "{v}");

        // A fresh form is a new ticket; another user's form with the same token is theirs.
        let fresh = b.get("/tickets/new").await.field("once");
        assert_ne!(fresh, once);
        let mut other = answered.clone();
        other[1] = ("once", &fresh);
        assert_eq!(b.post("/tickets/new", &other).await.status, StatusCode::SEE_OTHER);
        assert_eq!(count(&t).await, before + 2);
        // A token that is not one is refused, not guessed.
        let mut bad = answered.clone();
        bad[1] = ("once", "not a token");
        assert_eq!(
            b.post("/tickets/new", &bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
);
