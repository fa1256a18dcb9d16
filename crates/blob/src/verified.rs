//! The reader behind [`crate::BlobStore::open`]: passes the bytes through and checks the hash
//! when the stream ends, so a damaged blob is never read to the end without an error.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};

use crate::{BlobError, BlobId, Reader};

pub(crate) fn verified(inner: Reader, id: BlobId) -> Reader {
    Box::pin(Verified {
        inner,
        hasher: Sha256::new(),
        id,
        outcome: None,
    })
}

struct Verified {
    inner: Reader,
    hasher: Sha256,
    id: BlobId,
    /// Set when the end was reached: whether the bytes matched. Kept so that a reader polled
    /// again after the end repeats the verdict instead of reporting a clean end.
    outcome: Option<bool>,
}

impl AsyncRead for Verified {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if buf.remaining() == 0 {
            // A zero-length read says nothing about the end of the stream.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(this.inner.as_mut().poll_read(cx, buf))?;
        let fresh = &buf.filled()[before..];
        if !fresh.is_empty() {
            this.hasher.update(fresh);
            return Poll::Ready(Ok(()));
        }
        let intact = *this.outcome.get_or_insert_with(|| {
            BlobId::from_digest(std::mem::take(&mut this.hasher)) == this.id
        });
        if intact {
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                BlobError::Corrupt(this.id.clone()),
            )))
        }
    }
}
