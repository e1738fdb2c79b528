//! What `serve`'s accept loop knows of a connection: when it last moved a byte and whether one
//! of its requests is being handled, so that a connection idle past `[server] idle_timeout_secs`
//! is closed (see [`crate::http::limits::Connections`]).

use std::sync::Arc;

/// When a connection last moved a byte, and how many of its requests are being handled.
#[derive(Debug, Clone)]
pub struct Activity(Arc<ActivityState>);

#[derive(Debug)]
struct ActivityState {
    since: std::time::Instant,
    /// Milliseconds from `since` to the last byte read or written.
    last: std::sync::atomic::AtomicU64,
    handling: std::sync::atomic::AtomicUsize,
}

impl Default for Activity {
    fn default() -> Self {
        Activity(Arc::new(ActivityState {
            since: std::time::Instant::now(),
            last: 0.into(),
            handling: 0.into(),
        }))
    }
}

/// Counts a request as being handled while it lives.
pub struct Handling(Activity);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.0.handling.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        self.0.moved();
    }
}

impl Activity {
    /// Notes that the connection moved a byte now.
    pub fn moved(&self) {
        let ms = self.0.since.elapsed().as_millis() as u64;
        self.0.last.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts a request as being handled until the returned guard is dropped.
    pub fn handling(&self) -> Handling {
        self.0.handling.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Handling(self.clone())
    }

    /// Completes once the connection has moved no byte for `limit` while handling no request.
    pub async fn idle(&self, limit: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        loop {
            let last = std::time::Duration::from_millis(self.0.last.load(Relaxed));
            let quiet = self.0.since.elapsed().saturating_sub(last);
            if self.0.handling.load(Relaxed) == 0 && quiet >= limit {
                return;
            }
            let wait = if quiet < limit { limit - quiet } else { limit };
            tokio::time::sleep(wait.max(std::time::Duration::from_millis(50))).await;
        }
    }
}

/// A connection's stream that notes in its [`Activity`] when it last moved a byte.
pub struct Watched {
    inner: tokio::net::TcpStream,
    activity: Activity,
}

impl Watched {
    /// `inner`, noting its traffic in `activity`.
    pub fn new(inner: tokio::net::TcpStream, activity: Activity) -> Watched {
        Watched { inner, activity }
    }
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.moved();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.moved();
        }
        polled
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Activity;

    #[tokio::test]
    async fn a_connection_is_idle_only_when_quiet_and_handling_nothing() {
        let limit = Duration::from_millis(150);
        // Quiet and handling nothing: idle once the limit has passed.
        let quiet = Activity::default();
        let started = Instant::now();
        quiet.idle(limit).await;
        assert!(started.elapsed() >= limit, "{:?}", started.elapsed());

        // A request being handled, however long, keeps it open; the clock starts when it ends.
        let busy = Activity::default();
        let handling = busy.handling();
        assert!(
            tokio::time::timeout(Duration::from_millis(500), busy.idle(limit))
                .await
                .is_err(),
            "closed while a request was being handled"
        );
        drop(handling);
        let ended = Instant::now();
        busy.idle(limit).await;
        assert!(ended.elapsed() >= limit, "{:?}", ended.elapsed());

        // A byte moved restarts the clock.
        let moving = Activity::default();
        tokio::time::sleep(Duration::from_millis(100)).await;
        moving.moved();
        let moved = Instant::now();
        moving.idle(limit).await;
        assert!(
            moved.elapsed() >= limit - Duration::from_millis(5),
            "{:?}",
            moved.elapsed()
        );
    }
}
