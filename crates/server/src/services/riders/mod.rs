//! RID: the e-bike safe-riding programme's use cases. `intake` receives the capture points'
//! events (RID-01, RID-03) and sends the spoken warning; `identity` finds the rider's face in
//! the gallery or clusters it (RID-05, RID-06); `tiers` recomputes tiers on each event and
//! nightly (RID-07, RID-08).

pub mod identity;
pub mod intake;
pub mod tiers;
