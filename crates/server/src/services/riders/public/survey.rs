//! RID-14: the satisfaction survey. A proven rider rates the service 1 to 5, with an optional
//! comment, after the quiz or from the page; officers, unit heads and supervisors see the
//! answers' count and average per month for their units, and the newest comments (never who
//! wrote them).

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use roadwarden_domain::FieldError;
use roadwarden_store::riders::public::{self as rows, NewSurvey};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audit_rider, proven};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::RiderAssessors;
use crate::services::context::ServiceContext;
use crate::services::riders::{audit, need};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// 1 (poor) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
    /// `quiz` (after the quiz) or `page` (default).
    #[schema(max_length = 8)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyReceipt {
    pub id: i64,
}

/// RID-14: one answer of a proven rider (a few per day), audited.
pub async fn give(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: Option<&str>,
    input: &SurveyInput,
    lang: Lang,
) -> AppResult<SurveyReceipt> {
    if !(1..=5).contains(&input.rating) {
        return Err(FieldError::new("rating", "must be 1 to 5").into());
    }
    let comment = input.comment.as_deref().unwrap_or_default().trim();
    if comment.chars().count() > 500 {
        return Err(FieldError::new("comment", "at most 500 characters").into());
    }
    let source = match input.source.as_deref().map(str::trim) {
        None | Some("" | "page") => "page",
        Some("quiz") => "quiz",
        Some(_) => return Err(FieldError::new("source", "must be quiz or page").into()),
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let proven = proven(&mut tx, token, now).await?;
    let p = &proven.person;
    if rows::surveys_since(&mut tx, p.id, now - Duration::days(1)).await?
        >= ctx.settings.riders.public.surveys_per_day
    {
        return Err(AppError::Throttled(3600));
    }
    let id = rows::add_survey(
        &mut tx,
        &NewSurvey {
            person_id: p.id,
            unit_path: &p.unit_path,
            rating: i32::try_from(input.rating).unwrap_or(1),
            comment,
            source,
            lang: lang.code(),
            created_at: now,
        },
    )
    .await?;
    audit_rider(
        &mut tx,
        p,
        meta,
        "rider_public.survey",
        json!({ "rule": "RID-14", "survey": id, "rating": input.rating, "source": source }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SurveyReceipt { id })
}

/// One month of answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyMonth {
    /// YYYY-MM in the reader's time zone.
    pub month: String,
    pub count: usize,
    /// The mean rating, to two decimals; none without answers.
    pub average: Option<f64>,
    /// Answers per rating, 1 to 5.
    pub ratings: [usize; 5],
}

/// A rider's comment, without who wrote it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyComment {
    pub at: DateTime<Utc>,
    pub rating: i32,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    /// Newest month first.
    pub months: Vec<SurveyMonth>,
    /// The newest comments of those months (at most [`COMMENTS_SHOWN`]), newest first.
    pub comments: Vec<SurveyComment>,
}

/// The most comments a summary carries.
pub const COMMENTS_SHOWN: i64 = 50;

/// The first instant of the month `back` months before the one `now` is in, in `tz`.
fn month_start(now: DateTime<Utc>, back: u32, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz);
    let index = local.year() * 12 + local.month0() as i32 - back as i32;
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    tz.with_ymd_and_hms(y, m, 1, 0, 0, 0)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// RID-14: counts and averages per month of the answers from riders of the reader's units,
/// for the last `months` months (12 by default, at most 24); audited.
pub async fn summary(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    months: Option<u32>,
) -> AppResult<SurveySummary> {
    need::<RiderAssessors>(
        p,
        "survey results are for officers, unit heads and supervisors",
    )?;
    let months = months.unwrap_or(12).clamp(1, 24);
    let tz: chrono_tz::Tz = p
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let now = ctx.clock.now();
    let start = month_start(now, months - 1, tz);
    let mut tx = ctx.store.begin().await?;
    let ratings = rows::ratings_in(&mut tx, p.scope(), start, now + Duration::seconds(1)).await?;
    let comments: Vec<SurveyComment> = rows::comments_in(
        &mut tx,
        p.scope(),
        start,
        now + Duration::seconds(1),
        COMMENTS_SHOWN,
    )
    .await?
    .into_iter()
    .map(|(at, rating, comment)| SurveyComment {
        at,
        rating,
        comment,
    })
    .collect();
    let mut out = Vec::new();
    for back in 0..months {
        let from = month_start(now, back, tz);
        let to = if back == 0 {
            now + Duration::seconds(1)
        } else {
            month_start(now, back - 1, tz)
        };
        let mut counts = [0usize; 5];
        for (_, r) in ratings.iter().filter(|(at, _)| *at >= from && *at < to) {
            if let Some(slot) = usize::try_from(*r - 1).ok().and_then(|i| counts.get_mut(i)) {
                *slot += 1;
            }
        }
        let count: usize = counts.iter().sum();
        let sum: usize = counts.iter().enumerate().map(|(i, n)| (i + 1) * n).sum();
        out.push(SurveyMonth {
            month: from.with_timezone(&tz).format("%Y-%m").to_string(),
            count,
            average: (count > 0).then(|| ((sum as f64 / count as f64) * 100.0).round() / 100.0),
            ratings: counts,
        });
    }
    audit(
        &mut tx,
        p,
        meta,
        "rider_survey.summary",
        "unit",
        p.user.unit_id.0,
        None,
        json!({ "rule": "RID-14", "months": months, "answers": ratings.len(), "comments": comments.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SurveySummary {
        months: out,
        comments,
    })
}
