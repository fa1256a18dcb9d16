//! A download that the server stops feeding must fail rather than hang, yet a whole-request
//! timeout would cut off a long one (a multi-gigabyte copy, a video watched at its own pace).
//! So only time spent waiting on the server counts: a consumer that stops reading for a while
//! (a paused video) is not the server stalling.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::time::Sleep;

/// How long the server may leave a download silent while it is being read.
pub(super) const READ_IDLE_LIMIT: Duration = Duration::from_secs(60);

pub(super) struct Idle<S> {
    inner: S,
    limit: Duration,
    /// Armed when a read starts waiting, cleared when bytes arrive.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl<S> Idle<S> {
    pub(super) fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            waiting: None,
        }
    }
}

impl<S: Stream<Item = io::Result<Bytes>> + Unpin> Stream for Idle<S> {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Poll::Ready(item) = this.inner.poll_next_unpin(cx) {
            this.waiting = None;
            return Poll::Ready(item);
        }
        let limit = this.limit;
        let waiting = this
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match waiting.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.waiting = None;
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("object storage sent nothing for {}s", limit.as_secs()),
                ))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_silent_server_fails_the_read() {
        let silent = futures::stream::pending::<io::Result<Bytes>>();
        let mut idle = Idle::new(silent, Duration::from_millis(30));
        let err = idle.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_reader_that_pauses_is_not_the_server_stalling() {
        let chunks = futures::stream::iter([Ok(Bytes::from_static(b"a")), Ok(Bytes::new())]);
        let mut idle = Idle::new(chunks, Duration::from_millis(10));
        assert!(idle.next().await.unwrap().is_ok());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(idle.next().await.unwrap().is_ok(), "the pause was ours");
        assert!(idle.next().await.is_none());
    }
}
