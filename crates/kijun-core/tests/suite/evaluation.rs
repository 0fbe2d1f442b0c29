//! Evaluation: verdicts, gaps, pre-fill through common controls, and the
//! monotonicity property (improving an answer never worsens a verdict).

use kijun_core::answer::{Answer, AnswerSet, Remediation, Status};
use kijun_core::catalog::{Catalog, Date, Party};
use kijun_core::evaluate::{AnswerSource, ItemStatus, Severity, Verdict, evaluate_catalog};
use kijun_core::{Level, Profile, evaluate};
use proptest::prelude::*;

use crate::{builtin, controls};

/// A catalog "t" with one requirement per entry: (level, controls).
fn catalog(reqs: &[(&str, &[&str])]) -> Catalog {
    let mut text = String::from(
        "[catalog]\nid = \"t\"\ntitle = \"T\"\nissuer = \"i\"\nversion = \"1\"\nsource = \"s\"\n",
    );
    for (i, (level, ctl)) in reqs.iter().enumerate() {
        let ctl: Vec<String> = ctl.iter().map(|c| format!("\"{c}\"")).collect();
        text.push_str(&format!(
            "\n[[requirements]]\nid = \"R{i}\"\nphase = \"selection\"\ntext = \"要求{i}\"\nobligations = [{{ provider = \"{level}\" }}]\ncontrols = [{}]\n",
            ctl.join(", ")
        ));
    }
    Catalog::from_toml("t.toml", &text, &controls()).unwrap_or_else(|e| panic!("{e}"))
}

fn partial_with_plan() -> Answer {
    Answer {
        remediation: Some(Remediation {
            plan: "認証取得".into(),
            due: Date {
                year: 2027,
                month: 3,
                day: 31,
            },
        }),
        ..Answer::new(Status::Partial)
    }
}

fn verdict(c: &Catalog, answers: &AnswerSet) -> Verdict {
    evaluate_catalog(c, &Profile::default(), answers).verdict
}

#[test]
fn verdicts_follow_the_required_items() {
    let c = catalog(&[
        ("required", &["mfa"]),
        ("required", &["backup"]),
        ("recommended", &["sla"]),
    ]);
    let mut a = AnswerSet::default();
    assert_eq!(
        verdict(&c, &a),
        Verdict::Rejected,
        "unanswered required items reject"
    );
    a.set_requirement("t", "R0", Party::Provider, Answer::new(Status::Conforms));
    a.set_requirement(
        "t",
        "R1",
        Party::Provider,
        Answer::new(Status::NotApplicable),
    );
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(
        ev.verdict,
        Verdict::Approved,
        "required met, recommended open is only a finding"
    );
    assert_eq!(ev.gaps.len(), 1);
    assert_eq!(
        (ev.gaps[0].severity, ev.gaps[0].status),
        (Severity::Finding, ItemStatus::Unanswered)
    );

    a.set_requirement("t", "R1", Party::Provider, partial_with_plan());
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(ev.verdict, Verdict::Conditional);
    let cond: Vec<_> = ev
        .gaps
        .iter()
        .filter(|g| g.severity == Severity::Condition)
        .collect();
    assert_eq!(cond.len(), 1);
    assert_eq!(
        cond[0].due,
        Some(Date {
            year: 2027,
            month: 3,
            day: 31
        })
    );
    assert!(
        cond[0].message.contains("2027年3月31日"),
        "{}",
        cond[0].message
    );

    a.set_requirement("t", "R1", Party::Provider, Answer::new(Status::Partial));
    assert_eq!(
        verdict(&c, &a),
        Verdict::Rejected,
        "partial without a plan rejects"
    );
    a.set_requirement(
        "t",
        "R1",
        Party::Provider,
        Answer::new(Status::DoesNotConform),
    );
    assert_eq!(verdict(&c, &a), Verdict::Rejected);

    a.set_requirement("t", "R1", Party::Provider, Answer::new(Status::Conforms));
    a.set_requirement(
        "t",
        "R2",
        Party::Provider,
        Answer::new(Status::DoesNotConform),
    );
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(ev.verdict, Verdict::Approved);
    assert_eq!(ev.gaps.len(), 1);
    assert_eq!(ev.gaps[0].level, Level::Recommended);
    assert_eq!(ev.summary.conforms, 2);
    assert_eq!(ev.summary.does_not_conform, 1);
}

#[test]
fn answers_for_unasked_parties_are_ignored() {
    let c = catalog(&[("required", &["mfa"])]);
    let mut a = AnswerSet::default();
    a.set_requirement("t", "R0", Party::Integrator, Answer::new(Status::Conforms));
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(ev.items.len(), 1);
    assert_eq!(ev.items[0].party, Party::Provider);
    assert_eq!(ev.verdict, Verdict::Rejected);
}

#[test]
fn a_control_answer_prefills_every_tagged_requirement_in_every_catalog() {
    let (_, set) = builtin();
    let cats: Vec<&Catalog> = set.iter().collect();
    let mut a = AnswerSet::default();
    a.set_control("mfa", Party::Provider, Answer::new(Status::Conforms));
    let ev = evaluate(&cats, &Profile::default(), &a);
    let mut prefilled = 0;
    for (c, e) in cats.iter().zip(&ev.catalogs) {
        for item in &e.items {
            let req = c.requirement(&item.requirement_id).unwrap();
            let tagged = req.controls.iter().any(|x| x == "mfa") && item.party == Party::Provider;
            if tagged && req.controls.len() == 1 {
                assert_eq!(item.status, ItemStatus::Conforms, "{}/{}", c.id, req.id);
            }
            if tagged {
                assert_eq!(
                    item.source,
                    AnswerSource::Control {
                        control: "mfa".into()
                    },
                    "{}/{}",
                    c.id,
                    req.id
                );
                prefilled += 1;
            } else {
                assert_eq!(item.source, AnswerSource::None);
            }
        }
    }
    // seed-000 BLD-01 and seed-001's MFA requirement at least.
    assert!(prefilled >= 2, "{prefilled}");
    let catalogs_hit = ev
        .catalogs
        .iter()
        .filter(|e| {
            e.items
                .iter()
                .any(|i| matches!(i.source, AnswerSource::Control { .. }))
        })
        .count();
    assert!(catalogs_hit >= 2);
}

#[test]
fn a_requirement_answer_overrides_the_control_answer_and_the_weakest_control_wins() {
    let c = catalog(&[("required", &["mfa", "access_control"])]);
    let mut a = AnswerSet::default();
    a.set_control("mfa", Party::Provider, Answer::new(Status::Conforms));
    a.set_control("access_control", Party::Provider, partial_with_plan());
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(ev.items[0].status, ItemStatus::Partial);
    assert_eq!(
        ev.items[0].source,
        AnswerSource::Control {
            control: "access_control".into()
        }
    );
    assert_eq!(ev.verdict, Verdict::Conditional);

    a.set_requirement("t", "R0", Party::Provider, Answer::new(Status::Conforms));
    let ev = evaluate_catalog(&c, &Profile::default(), &a);
    assert_eq!(ev.items[0].status, ItemStatus::Conforms);
    assert_eq!(ev.items[0].source, AnswerSource::Requirement);
    assert_eq!(ev.verdict, Verdict::Approved);
}

/// Answers from worst to best; index order is the improvement order.
fn answer_of(rank: u8) -> Option<Answer> {
    match rank {
        0 => None,
        1 => Some(Answer::new(Status::DoesNotConform)),
        2 => Some(Answer::new(Status::Partial)),
        3 => Some(partial_with_plan()),
        4 => Some(Answer::new(Status::Conforms)),
        _ => Some(Answer::new(Status::NotApplicable)),
    }
}

fn rank_strategy() -> impl Strategy<Value = u8> {
    0u8..=5
}

fn better(rank: u8) -> Vec<u8> {
    // Conforms (4) and NotApplicable (5) are equally good.
    let top = if rank >= 4 { 4 } else { rank };
    (top + 1..=5).filter(|r| *r != rank).collect()
}

const CONTROLS: &[&str] = &["mfa", "backup", "sla", "logging"];

proptest! {
    #[test]
    fn improving_a_requirement_answer_never_worsens_the_verdict(
        reqs in prop::collection::vec((any::<bool>(), rank_strategy()), 1..12),
        pick in any::<prop::sample::Index>(),
        choice in any::<prop::sample::Index>(),
    ) {
        let spec: Vec<(&str, &[&str])> = reqs
            .iter()
            .map(|(req, _)| (if *req { "required" } else { "recommended" }, &["mfa"][..]))
            .collect();
        let c = catalog(&spec);
        let mut a = AnswerSet::default();
        for (i, (_, rank)) in reqs.iter().enumerate() {
            if let Some(ans) = answer_of(*rank) {
                a.set_requirement("t", &format!("R{i}"), Party::Provider, ans);
            }
        }
        let before = verdict(&c, &a);
        let i = pick.index(reqs.len());
        let options = better(reqs[i].1);
        prop_assume!(!options.is_empty());
        let new = options[choice.index(options.len())];
        if let Some(ans) = answer_of(new) {
            a.set_requirement("t", &format!("R{i}"), Party::Provider, ans);
        }
        let after = verdict(&c, &a);
        prop_assert!(after >= before, "{before:?} -> {after:?} improving R{i} from {} to {new}", reqs[i].1);
    }

    #[test]
    fn improving_a_control_answer_never_worsens_the_verdict(
        reqs in prop::collection::vec((any::<bool>(), prop::sample::subsequence(CONTROLS, 1..3)), 1..10),
        ranks in prop::collection::vec(rank_strategy(), CONTROLS.len()),
        pick in any::<prop::sample::Index>(),
        choice in any::<prop::sample::Index>(),
    ) {
        let spec: Vec<(&str, &[&str])> = reqs
            .iter()
            .map(|(req, ctl)| (if *req { "required" } else { "recommended" }, ctl.as_slice()))
            .collect();
        let c = catalog(&spec);
        let mut a = AnswerSet::default();
        for (ctl, rank) in CONTROLS.iter().zip(&ranks) {
            if let Some(ans) = answer_of(*rank) {
                a.set_control(ctl, Party::Provider, ans);
            }
        }
        let before = verdict(&c, &a);
        let i = pick.index(CONTROLS.len());
        // Only an answer that exists can be improved: giving a first answer
        // to one more control adds information (it may reveal a weakness
        // the other controls' answers did not show), it does not improve one.
        prop_assume!(ranks[i] > 0);
        let options = better(ranks[i]);
        prop_assume!(!options.is_empty());
        let new = options[choice.index(options.len())];
        if let Some(ans) = answer_of(new) {
            a.set_control(CONTROLS[i], Party::Provider, ans);
        }
        let after = verdict(&c, &a);
        prop_assert!(after >= before, "{before:?} -> {after:?} improving {} from {} to {new}", CONTROLS[i], ranks[i]);
    }
}
