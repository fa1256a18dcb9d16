//! RID-12: the safety quiz. A proven rider gets questions drawn from the bank; the answers are
//! scored against the bank, and a pass (the configured mark) is recorded as self-study: it
//! closes the rider's open self-study measure, the one Table 2 gives an occasional rider
//! (RID-09).

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::rider::{Disposition, MeasureState};
use roadwarden_domain::{FieldError, RuleViolation};
use roadwarden_store::riders::dispositions;
use roadwarden_store::riders::public as rows;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::content::{draw, question};
use super::{audit_rider, proven};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::context::ServiceContext;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizQuestionView {
    pub id: String,
    pub text: String,
    /// Choose one, by its position from 0.
    pub options: Vec<String>,
}

/// A quiz drawn for the rider.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizView {
    pub attempt_id: i64,
    pub pass_mark: usize,
    pub questions: Vec<QuizQuestionView>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswer {
    #[schema(max_length = 64)]
    pub question: String,
    /// The option chosen, from 0.
    #[schema(minimum = 0, maximum = 9)]
    pub choice: u32,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswers {
    #[schema(max_items = 50)]
    pub answers: Vec<QuizAnswer>,
}

/// A question answered wrongly, with the right answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizCorrection {
    pub question: String,
    pub right: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizResult {
    pub attempt_id: i64,
    pub score: usize,
    pub total: usize,
    pub pass_mark: usize,
    pub passed: bool,
    /// Open self-study measures the pass closed.
    pub self_study_closed: usize,
    pub corrections: Vec<QuizCorrection>,
    pub submitted_at: DateTime<Utc>,
}

fn view(id: &str, lang: Lang) -> Option<QuizQuestionView> {
    question(id).map(|q| QuizQuestionView {
        id: q.id.clone(),
        text: q.text.get(lang).to_owned(),
        options: q.options.iter().map(|o| o.get(lang).to_owned()).collect(),
    })
}

/// RID-12: draws a quiz for the proven rider (a few per day).
pub async fn start(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: Option<&str>,
    lang: Lang,
) -> AppResult<QuizView> {
    let settings = &ctx.settings.riders.public;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let proven = proven(&mut tx, token, now).await?;
    let p = &proven.person;
    if rows::quizzes_since(&mut tx, p.id, now - Duration::days(1)).await?
        >= settings.quizzes_per_day
    {
        return Err(AppError::Throttled(3600));
    }
    let drawn: Vec<String> = draw(settings.quiz_questions.max(1))
        .into_iter()
        .map(|q| q.id.clone())
        .collect();
    let ids = serde_json::to_string(&drawn).map_err(AppError::internal)?;
    let attempt = rows::add_quiz(&mut tx, p.id, &ids, now).await?;
    audit_rider(
        &mut tx,
        p,
        meta,
        "rider_public.quiz_started",
        json!({ "attempt": attempt, "questions": drawn.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(QuizView {
        attempt_id: attempt,
        pass_mark: settings.quiz_pass_mark.min(drawn.len()),
        questions: drawn.iter().filter_map(|id| view(id, lang)).collect(),
    })
}

/// RID-12, RID-09: scores the rider's answers to their own quiz (once); a pass is recorded as
/// self-study and closes the rider's open self-study measures.
pub async fn answer(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: Option<&str>,
    attempt: i64,
    input: &QuizAnswers,
    lang: Lang,
) -> AppResult<QuizResult> {
    if input.answers.len() > 50 || input.answers.iter().any(|a| a.question.len() > 64) {
        return Err(
            FieldError::new("answers", "at most 50 answers, each naming a question").into(),
        );
    }
    let settings = &ctx.settings.riders.public;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let proven = proven(&mut tx, token, now).await?;
    let p = &proven.person;
    let quiz = rows::quiz(&mut tx, attempt)
        .await?
        .filter(|q| q.person_id == p.id.0)
        .ok_or(AppError::NotFound("quiz"))?;
    if quiz.submitted_at.is_some() {
        return Err(RuleViolation::new(
            "RID-12",
            Code::RiderQuizAnswered,
            "this quiz was answered already: start a new one",
        )
        .into());
    }
    let drawn: Vec<String> = serde_json::from_str(&quiz.questions).map_err(AppError::internal)?;
    let mut score = 0;
    let mut corrections = Vec::new();
    for id in &drawn {
        let Some(q) = question(id) else { continue };
        let chosen = input
            .answers
            .iter()
            .find(|a| &a.question == id)
            .map(|a| a.choice as usize);
        if chosen == Some(q.answer) {
            score += 1;
        } else {
            corrections.push(QuizCorrection {
                question: q.text.get(lang).to_owned(),
                right: q.options[q.answer].get(lang).to_owned(),
            });
        }
    }
    let total = drawn.len();
    let pass_mark = settings.quiz_pass_mark.min(total);
    let passed = score >= pass_mark;
    if !rows::finish_quiz(
        &mut tx,
        attempt,
        i32::try_from(score).unwrap_or(i32::MAX),
        passed,
        now,
    )
    .await?
    {
        return Err(RuleViolation::new(
            "RID-12",
            Code::RiderQuizAnswered,
            "this quiz was answered already: start a new one",
        )
        .into());
    }
    let mut closed = 0;
    if passed {
        for m in dispositions::list_for_person(&mut tx, p.id).await? {
            if m.disposition == Disposition::SelfStudy
                && matches!(m.state, MeasureState::Pending | MeasureState::Sent)
                && dispositions::set_state(
                    &mut tx,
                    m.id,
                    m.state,
                    MeasureState::Confirmed,
                    &format!("quiz:{attempt}"),
                    "self-study: safety quiz passed (RID-12)",
                    now,
                )
                .await?
            {
                closed += 1;
            }
        }
    }
    audit_rider(
        &mut tx,
        p,
        meta,
        "rider_public.quiz_answered",
        json!({ "attempt": attempt, "score": score, "total": total, "passed": passed,
                "self_study_closed": closed }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(QuizResult {
        attempt_id: attempt,
        score,
        total,
        pass_mark,
        passed,
        self_study_closed: closed,
        corrections,
        submitted_at: now,
    })
}
