"""Relevance triage: the rules' reasons, the audience setting, and the learned model taking
over once the house has decided enough studies."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_study

from pipeline.records import Study
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.watch import trained, triage
from pipeline.watch.intake import decided_studies

LABELS = Path(__file__).resolve().parents[1] / "fixtures" / "triage_labels.jsonl"


def written(split: str) -> list[tuple[Study, bool]]:
    rows = [json.loads(line) for line in LABELS.read_text().splitlines()]
    return [
        (
            Study(
                id=r["id"],
                title=r["title"],
                abstract=r["abstract"],
                mesh_terms=r["mesh_terms"],
                keywords=r["keywords"],
                content_hash=r["id"],
            ),
            r["label"],
        )
        for r in rows
        if r["split"] == split and "abstract" in r
    ]


TRIAL = (
    "In this randomized, double-blind trial, 312 adults with relapsing multiple sclerosis "
    "received the drug or placebo for 48 weeks. Fewer relapses occurred with the drug than with "
    "placebo, and disability progressed less. Side effects were mild. The drug may help people "
    "with multiple sclerosis."
)
REVIEW = (
    "This narrative review describes how migraine is diagnosed and managed in primary care, "
    "including lifestyle advice, acute treatments and prevention with newer antibodies. We "
    "summarise what is known about migraine triggers and how clinicians can support patients "
    "over time, and we discuss gaps in the evidence."
)


def test_an_ms_trial_ranks_above_a_review_of_another_disease(settings: Settings) -> None:
    trial = triage(make_study(TRIAL, "A drug for relapsing multiple sclerosis"), settings)
    review = triage(make_study(REVIEW, "Managing migraine: a review"), settings)
    assert trial.relevant and not review.relevant
    assert trial.score > 0.9 > 0.1 > review.score
    assert trial.model == "rules"
    assert any("title names MS" in r for r in trial.reasons)
    assert any("design: rct" in r for r in trial.reasons)
    assert review.reasons[0].startswith("MS is named nowhere")
    assert any("it studies migraine, not MS" in r for r in review.reasons)


def test_mass_spectrometry_is_not_ms_but_people_with_ms_are(settings: Settings) -> None:
    lab = (
        "Plasma from 120 volunteers was analysed by LC-MS/MS. Over 2,000 features were "
        "detected and MS/MS spectra were matched to a library. Sample handling changed the "
        "levels of many metabolites, and we propose a protocol for metabolomics by MS."
    )
    people = (
        "Heat makes symptoms worse for many people with MS. In 150 participants a small rise "
        "in core temperature slowed walking and blurred vision, and both recovered after "
        "cooling. Cooling vests may help people with MS in hot weather, the authors suggest."
    )
    assert not triage(make_study(lab, "Metabolomics by MS"), settings).relevant
    assert triage(make_study(people, "Heat and walking in MS"), settings).relevant


def test_the_audience_condition_setting_changes_what_is_relevant(settings: Settings) -> None:
    seizures = (
        "In a randomized trial of 220 children with epilepsy, the new drug halved the number of "
        "seizures compared with placebo over six months. Sleepiness was the most common side "
        "effect. The drug may help children with epilepsy whose seizures continue."
    )
    house = settings.model_copy(update={"audience_condition": "epilepsy"})
    assert triage(make_study(seizures, "A new drug for childhood epilepsy"), house).relevant
    assert not triage(make_study(TRIAL, "A drug for relapsing MS"), house).relevant


def test_below_enough_decisions_the_rules_decide(settings: Settings) -> None:
    few = written("dev")[:10]
    assert trained(few, settings) is None
    one_sided = [(s, True) for s, _ in written("dev") + written("test")]
    assert trained(one_sided, settings) is None  # no rejections: nothing to learn a boundary from


def test_the_learned_model_scores_with_reasons(settings: Settings) -> None:
    learned = trained(written("dev") + written("test")[:8], settings)
    assert learned is not None
    verdict = triage(
        make_study(TRIAL, "A drug for relapsing multiple sclerosis"), settings, learned
    )
    assert verdict.model == "learned" and verdict.relevant
    assert verdict.reasons and all("(" in r for r in verdict.reasons)
    other = triage(make_study(REVIEW, "Managing migraine: a review"), settings, learned)
    assert other.score < verdict.score


def test_the_house_decisions_in_the_store_are_what_triage_learns_from(
    store: Store, settings: Settings
) -> None:
    for study, good in written("dev") + written("test"):
        store.upsert_study(study)
        store.add_review(study.id, 0, "approve" if good else "reject", "Ana")
    store.add_review("hard-00", 0, "promote", "Ana")  # the latest decision wins
    decided = dict((s.id, good) for s, good in decided_studies(store))
    assert decided["ms-00"] is True and decided["hard-00"] is True and decided["hard-01"] is False
    assert trained(decided_studies(store), settings) is not None
