//! A failing fuzz case, shrunk: its draw's value tree walked towards smaller requests (fewest
//! fields, shortest strings, smallest numbers), each one sent and judged, keeping the
//! smallest that still fails one of the checks the first failed. The report then shows that
//! request, its curl line and the seed.

use std::sync::Arc;

use crate::checks::CheckId;
use crate::exec::{Exchange, Runner};
use crate::plan::fuzz::{self, Shrinker};
use crate::plan::{Case, Plan};
use crate::report::Status;
use crate::{Judge, Verdict};

/// How many smaller requests one failing case may send while it is shrunk.
const MAX_TRIES: usize = 100;

/// The smallest failing request found for a failed fuzz case.
pub(crate) struct Shrunk {
    pub case: Case,
    pub exchange: Exchange,
    pub verdict: Verdict,
}

/// Shrinks `case` (a fuzz case whose verdict is `verdict`); `None` when it is no failed fuzz
/// case, or no smaller request fails the same way.
pub(crate) async fn shrink(
    runner: &Arc<Runner>,
    plan: &Plan,
    judge: &Judge,
    case: &Case,
    verdict: &Verdict,
) -> Option<Shrunk> {
    let fuzzed = case.fuzzed?;
    if verdict.status != Status::Failed {
        return None;
    }
    let failed: Vec<CheckId> = verdict.failures.iter().map(|c| c.id).collect();
    // Drawn again from the operation's valid request, as the case was.
    let valid = format!("{}.valid", case.operation);
    let base = plan.cases.iter().find(|c| c.name == valid)?;
    let strategy = fuzz::strategy(&plan.api, &plan.tag, base, fuzzed.valid)?;
    let mut shrinker = Shrinker::start(strategy, fuzzed.seed, case.operation.clone(), fuzzed.example);
    let mut smallest: Option<Shrunk> = None;
    let mut tries = 0;
    while let Some(draw) = shrinker.next().await {
        if tries == MAX_TRIES || runner.fuzz_time_is_up() {
            break;
        }
        tries += 1;
        let candidate = fuzz::case(base, &draw, fuzzed);
        let exchange = runner.run_case(&candidate).await;
        let verdict = judge.judge(plan, &candidate, &exchange);
        let fails = verdict.failures.iter().any(|c| failed.contains(&c.id));
        shrinker.answer(fails);
        if fails {
            smallest = Some(Shrunk {
                case: Case {
                    varied: format!("{} (shrunk in {tries} tries)", candidate.varied),
                    ..candidate
                },
                exchange,
                verdict,
            });
        }
    }
    smallest
}
