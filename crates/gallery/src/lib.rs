//! RID-05, RID-06: the in-memory face gallery.
//!
//! - [`FlatIndex`]: exact 1:N search, every `f32` vector compared (AVX2 block kernels).
//! - [`Int8Index`]: the same vectors quantised to `i8` with one global scale; top-k' candidates
//!   then an exact re-rank on the `f32` vectors; and [`Int8Index::search_exact`], exact 1:N read
//!   through the codes with bounds that keep the answer identical to the full scan.
//! - [`Gallery`]: faces of persons, "not this person" exclusions, add/remove/rebuild from stored
//!   rows; search never returns a person a face was excluded from.
//! - [`Clusterer`]: incremental clustering of unmatched faces into provisional persons.
//!
//! Pure: no I/O, no clock. Vectors are dlib's 128-d descriptors; the caller converts
//! (`roadwarden_face::Descriptor.0` is a `[f32; 128]`).

mod block;
mod bounded;
mod cluster;
mod exact;
mod gallery;
mod kernel;
mod quant;
pub mod synth;
mod topk;

pub use cluster::{ClusterError, ClusterId, ClusterSettings, Clusterer, Placement, UnmatchedFace};
pub use exact::FlatIndex;
pub use gallery::{Gallery, GalleryError, GalleryMatch, StoredFace};
pub use kernel::{dot_f32, l2sq_f32, l2sq_i8};
pub use quant::{Int8Index, DEFAULT_RERANK};
pub use topk::Hit;

/// The length of a face descriptor (dlib's ResNet).
pub const DIM: usize = 128;

/// A face descriptor.
pub type Vector = [f32; DIM];

/// dlib's threshold: two faces strictly closer than this (Euclidean) look like one person.
pub const DLIB_THRESHOLD: f32 = 0.6;

/// The most results one search may ask for.
pub const MAX_K: usize = 1_000;

/// A stored face (the `face_vectors` row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaceId(pub i64);
