use super::*;
use crate::synth::Synth;
use crate::DLIB_THRESHOLD;

const P1: RiderPersonId = RiderPersonId(1);
const P2: RiderPersonId = RiderPersonId(2);

fn two_people(rng: &mut Synth) -> (Vector, Vector, Gallery) {
    let offset = rng.near(&[0.0; crate::DIM], 0.3);
    let (a, b) = (rng.centre(&offset), rng.centre(&offset));
    let mut g = Gallery::new();
    for i in 0..3 {
        g.add(FaceId(10 + i), P1, rng.face(&a)).unwrap();
        g.add(FaceId(20 + i), P2, rng.face(&b)).unwrap();
    }
    (a, b, g)
}

#[test]
fn rid_05_a_new_face_matches_its_person_exactly_and_in_int8() {
    let mut rng = Synth::new(11);
    let (a, b, g) = two_people(&mut rng);
    for (centre, person) in [(a, P1), (b, P2)] {
        let q = rng.face(&centre);
        let exact = g.search(None, &q, 3, DLIB_THRESHOLD);
        assert_eq!(exact.len(), 3);
        assert!(exact.iter().all(|m| m.person == person));
        assert!(exact.windows(2).all(|w| w[0].distance <= w[1].distance));
        assert_eq!(g.search_int8(None, &q, 3, 16, DLIB_THRESHOLD), exact);
    }
    let stranger = rng.centre(&[0.0; crate::DIM]);
    assert!(g.search(None, &stranger, 3, DLIB_THRESHOLD).is_empty());
}

#[test]
fn rid_06_a_face_marked_not_this_person_never_matches_that_person_again() {
    let mut rng = Synth::new(12);
    let (a, _, mut g) = two_people(&mut rng);
    let q = rng.face(&a);
    let probe = FaceId(99);
    assert!(!g.exclude(probe, P1), "not filed under P1: nothing leaves");
    assert!(g.search(Some(probe), &q, 5, DLIB_THRESHOLD).is_empty());
    assert!(g
        .search_int8(Some(probe), &q, 5, 16, DLIB_THRESHOLD)
        .is_empty());
    assert_eq!(g.search(None, &q, 5, DLIB_THRESHOLD).len(), 3);
    assert_eq!(
        g.add(probe, P1, q),
        Err(GalleryError::Excluded {
            face: probe,
            person: P1
        })
    );
    // A face filed under the person leaves the gallery when marked.
    assert!(g.exclude(FaceId(10), P1));
    assert_eq!(g.person_of(FaceId(10)), None);
    assert_eq!(g.len(), 5);
}

#[test]
fn rid_06_merge_moves_faces_except_those_marked_not_the_target() {
    let mut rng = Synth::new(13);
    let (_, b, mut g) = two_people(&mut rng);
    g.exclude(FaceId(21), P1);
    assert_eq!(g.merge_persons(P2, P1), vec![FaceId(21)]);
    assert_eq!(g.person_of(FaceId(20)), Some(P1));
    assert_eq!(g.person_of(FaceId(21)), None);
    let hits = g.search(None, &rng.face(&b), 5, DLIB_THRESHOLD);
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|m| m.person == P1));
}

#[test]
fn rid_05_rebuild_from_stored_rows_gives_the_same_answers() {
    let mut rng = Synth::new(14);
    let (a, b, g) = two_people(&mut rng);
    let mut rows: Vec<StoredFace> = [10, 11, 12, 20, 21, 22]
        .into_iter()
        .map(|i| StoredFace {
            face: FaceId(i),
            person: Some(if i < 20 { P1 } else { P2 }),
            event: None,
            vector: *g.index.exact().get(FaceId(i)).unwrap(),
        })
        .collect();
    rows.push(StoredFace {
        face: FaceId(30),
        person: None,
        event: Some(RiderEventId(5)),
        vector: rng.face(&a),
    });
    let rebuilt = Gallery::rebuild(rows.clone(), [(FaceId(12), P1)]).unwrap();
    assert_eq!(
        rebuilt.len(),
        5,
        "the unmatched row and the excluded row stay out"
    );
    let q = rng.face(&b);
    assert_eq!(
        rebuilt.search(None, &q, 3, DLIB_THRESHOLD),
        g.search(None, &q, 3, DLIB_THRESHOLD)
    );
    assert!(rebuilt.is_excluded(FaceId(12), P1));
    rows[0].vector[0] = f32::NAN;
    assert_eq!(
        Gallery::rebuild(rows, []).unwrap_err(),
        GalleryError::NotFinite(FaceId(10))
    );
}

#[test]
fn rid_05_remove_takes_a_face_out_of_every_search() {
    let mut rng = Synth::new(15);
    let (a, _, mut g) = two_people(&mut rng);
    for f in [10, 11, 12] {
        assert!(g.remove(FaceId(f)));
    }
    assert!(!g.remove(FaceId(10)));
    let q = rng.face(&a);
    assert!(g.search(None, &q, 3, DLIB_THRESHOLD).is_empty());
    assert!(g.search_int8(None, &q, 3, 16, DLIB_THRESHOLD).is_empty());
}
