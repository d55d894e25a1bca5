//! A failing fuzz case, shrunk: its draw's value tree walked towards smaller requests (fewest
//! fields, shortest strings, smallest numbers), each one sent and judged, keeping the
//! smallest that still fails one of the checks the first failed. The report then shows that
//! request, its curl line and the seed. A failing stateful walk, shrunk: shorter, and with
//! fewer steps, while it still fails `stateful_walk`.

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

/// Shrinks `case` (a fuzz case or a stateful walk whose verdict is `verdict`); `None` when
/// it is neither, did not fail, or nothing smaller fails the same way.
pub(crate) async fn shrink(
    runner: &Arc<Runner>,
    plan: &Plan,
    judge: &Judge,
    case: &Case,
    verdict: &Verdict,
) -> Option<Shrunk> {
    if verdict.status != Status::Failed {
        return None;
    }
    if matches!(case.stateful, Some(crate::plan::Scenario::Walk { .. })) {
        return shrink_walk(runner, plan, judge, case).await;
    }
    let fuzzed = case.fuzzed?;
    let failed: Vec<CheckId> = verdict.failures.iter().map(|c| c.id).collect();
    // Drawn again from the operation's valid request, as the case was.
    let base = plan.valid_request(&case.operation)?;
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

/// A failing walk made shorter: the shortest prefix that still fails `stateful_walk`, then
/// without each step it can do without. One resource per try, as the case made.
async fn shrink_walk(runner: &Arc<Runner>, plan: &Plan, judge: &Judge, case: &Case) -> Option<Shrunk> {
    let mut smallest: Option<Shrunk> = None;
    let mut tries = 0;
    let mut current = case.clone();
    loop {
        let mut smaller = false;
        for candidate in crate::scenarios::walk::smaller(&current) {
            if tries == MAX_TRIES {
                break;
            }
            tries += 1;
            let exchange = runner.run_case(&candidate).await;
            let verdict = judge.judge(plan, &candidate, &exchange);
            if verdict.failures.iter().any(|c| c.id == CheckId::StatefulWalk) {
                current = candidate.clone();
                smallest = Some(Shrunk {
                    case: Case {
                        varied: format!("{} (shrunk in {tries} tries)", candidate.varied),
                        ..candidate
                    },
                    exchange,
                    verdict,
                });
                smaller = true;
                break;
            }
        }
        if !smaller || tries == MAX_TRIES {
            return smallest;
        }
    }
}
