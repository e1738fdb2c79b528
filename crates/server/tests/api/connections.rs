//! Issue 25, slow clients: a connection that dawdles over its request's head, or sits idle after
//! an answer, is closed; only so many connections are served at once; shutting down lets the
//! requests in flight finish.

use std::time::{Duration, Instant};

use opsclock::http::limits::Connections;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::Harness;

/// A server on the harness's router with `limits`; stopped by sending on the returned channel.
async fn serve(
    t: &Harness,
    limits: Connections,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(opsclock::serve::serve_connections(
        listener,
        t.router.clone(),
        limits,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, server)
}

/// Reads until the server closes the connection (or resets it); what it sent.
async fn until_closed(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: opsclock.test\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_idle_client_is_disconnected_after_the_header_timeout() {
    let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
    let limits = Connections {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(60),
        max_connections: 16,
    };
    let (addr, stop, server) = serve(&t, limits).await;

    // Half a request line, then nothing.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HT").await.unwrap();
    let started = Instant::now();
    let said = tokio::time::timeout(Duration::from_secs(10), until_closed(&mut slow))
        .await
        .expect("a client sending half a request line was still connected after 10 s");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "closed after {took:?}, the header timeout is 1 s"
    );
    assert!(!said.contains("200 OK"), "{said}");

    // A kept-alive connection is answered, then closed when it sends nothing more.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(HEALTHZ).await.unwrap();
    let started = Instant::now();
    let said = tokio::time::timeout(Duration::from_secs(10), until_closed(&mut kept))
        .await
        .expect("an idle kept-alive connection was still open after 10 s");
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    // Whoever is quick is served as before.
    let mut quick = TcpStream::connect(addr).await.unwrap();
    quick
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: opsclock.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert!(until_closed(&mut quick).await.starts_with("HTTP/1.1 200"));

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stopped")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_so_many_connections_are_served_at_once() {
    let t = Harness::new(opsclock::db::testing::Backend::Sqlite).await;
    let limits = Connections {
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
        max_connections: 3,
    };
    let (addr, stop, server) = serve(&t, limits).await;
    let mut holders = Vec::new();
    for _ in 0..3 {
        holders.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The fourth waits for a free slot ...
    let mut fourth = TcpStream::connect(addr).await.unwrap();
    fourth.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), fourth.read(&mut buf))
            .await
            .is_err(),
        "a fourth connection was served while three were open"
    );
    // ... and is served once one closes.
    drop(holders.pop());
    let n = tokio::time::timeout(Duration::from_secs(10), fourth.read(&mut buf))
        .await
        .expect("the fourth connection was not served after one closed")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    drop(holders);
    drop(fourth);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stopped")
        .unwrap();
}
