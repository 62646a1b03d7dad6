"""The classes of abstract the issue-11 rules were written for, one abstract of our own each
(none is copied from a corpus): organisms no cue named, plants and viruses in the lab, reviews
that did or did not pool, publication types and MeSH tags that conflict with or refine the
wording, methods papers, records reviews, drug studies in volunteers. Each case fails without
the rule it names."""

from __future__ import annotations

import pytest
from helpers import make_study

from pipeline.profile import profile_study
from pipeline.records import Design
from pipeline.settings import Settings

SETTINGS = Settings()

# (rule, abstract, metadata, design, species)
CASES: list[tuple[str, str, dict, Design, str]] = [
    (
        "an animal from the kept list (cuttlefish), in behaviour experiments",
        "Camouflage requires matching the background. Here we show that cuttlefish adjust "
        "their skin patterns to the contrast of the substrate within seconds. We tested the "
        "behaviour of juvenile cuttlefish on checkerboards of varied contrast. Patterns "
        "tracked contrast closely, suggesting a simple visual rule for camouflage.",
        {},
        Design.animal,
        "animals",
    ),
    (
        "an animal never named: 'the animal' twice",
        "Grid cells are thought to map space. Here we report that grid firing shifts when "
        "the animal expects a reward at a hidden location. The shift appeared before the "
        "animal reached the location and vanished when the reward was removed. Expectation "
        "may reshape spatial maps in the entorhinal cortex.",
        {},
        Design.animal,
        "animals",
    ),
    (
        "transgenic animals with nothing cultured and no species named",
        "Microglia survey the developing retina. We used a transgenic reporter line to follow "
        "microglia in the retina during the first postnatal weeks. Microglia moved towards "
        "dying neurons within hours and cleared them. Loss of the receptor slowed clearance, "
        "pointing to a signal that guides microglia in development.",
        {},
        Design.animal,
        "animals",
    ),
    (
        "a plant studied in the lab: the house's nearest class is cells",
        "Root hairs take up water and nutrients. Here we show that Arabidopsis seedlings "
        "lacking a receptor kinase grow short root hairs under low phosphate. The kinase "
        "acts through a transcription factor that drives root hair elongation. This "
        "pathway links nutrient sensing to plant growth.",
        {},
        Design.in_vitro,
        "cells",
    ),
    (
        "a virus grown in host cells",
        "Viruses depend on the machinery of the cells they infect. Here, we propagated a "
        "respiratory virus in host cells with chaperone levels raised or lowered by drugs. "
        "Lower chaperone levels slowed the spread of unstable viral variants. Host folding "
        "capacity may shape which viral mutations survive.",
        {},
        Design.in_vitro,
        "cells",
    ),
    (
        "'human' before a molecule is not a person",
        "The import of membrane proteins into mitochondria needs a translocase. Here we "
        "identify a new protein subunit of the human translocase complex. The subunit binds the "
        "complex through two residues of its C-terminal domain, and the complex is unstable "
        "without it. Loss of the subunit impairs the import of carrier proteins into human "
        "mitochondria.",
        {},
        Design.in_vitro,
        "cells",
    ),
    (
        "a Cochrane review of a single trial does not pool",
        "We included one RCT of a home exercise programme versus usual care in 20 adults with "
        "a muscle disease. The trial was at high risk of bias. Walking distance did not differ "
        "between groups at six months (MD 8.1 m, 95% CI -60.2 to 76.4; N = 18). Adverse "
        "events were few. The evidence is very uncertain.",
        {},
        Design.systematic_review,
        "people",
    ),
    (
        "a review that goes through its trials one by one does not pool",
        "Four trials met the inclusion criteria, with 390 women in total. The trials compared "
        "different contraceptive devices. Discontinuations were fewer with the ring than "
        "with the patch (OR 0.40, 95% CI 0.20 to 0.80). The trial comparing two doses of the "
        "same device found similar efficacy. In another study, the device was kept longer "
        "than the pill. The evidence is of low quality.",
        {},
        Design.systematic_review,
        "people",
    ),
    (
        "a review that says the trials were too different to meta-analyse",
        "We included six RCTs with 2,100 participants. There was no sufficient similarity "
        "between the trials to perform a meta-analysis. In the largest trial, infections were "
        "fewer with antibiotics (RR 0.40, 95% CI 0.20 to 0.80). The evidence is of low "
        "certainty.",
        {},
        Design.systematic_review,
        "people",
    ),
    (
        "PRISMA's name does not make a systematic review a meta-analysis",
        "We conducted a systematic review following the Preferred Reporting Items for "
        "Systematic Reviews and Meta-Analyses (PRISMA) guidelines. Twenty studies were "
        "included. Most studies found that insight predicted return to work. The measures "
        "varied too much to estimate an overall effect.",
        {"publication_types": ["Journal Article", "Systematic Review"]},
        Design.systematic_review,
        "people",
    ),
    (
        "a narrative review that cites someone else's meta-analysis",
        "Can asthma be prevented? This review considers the evidence on allergen avoidance in "
        "infancy. Meta-analysis of studies demonstrates that avoiding a single allergen does "
        "not prevent asthma. Combined approaches may be more promising, but evidence is thin.",
        {},
        Design.narrative_review,
        "people",
    ),
    (
        "a review publication type on a Mendelian randomisation study",
        "Sleep and depression are linked in observational studies. We used Mendelian "
        "randomization with genetic variants for sleep duration as instruments. We obtained "
        "GWAS data from a published meta-analysis and from a national biobank. Short sleep "
        "was associated with depression (OR 1.30, 95% CI 1.10 to 1.50).",
        {"publication_types": ["Meta-Analysis", "Journal Article"]},
        Design.cross_sectional,
        "people",
    ),
    (
        "an observational publication type on a nested case-control study",
        "We measured blood telomere length in 300 lung cancer cases and 600 matched controls "
        "from three prospective cohorts. Shorter telomeres were associated with higher "
        "risk (OR 1.40, 95% CI 1.10 to 1.80). Telomere length may mark risk before diagnosis.",
        {"publication_types": ["Journal Article", "Observational Study"]},
        Design.case_control,
        "people",
    ),
    (
        "an observational publication type: the design the wording names within the family",
        "Older people starting dialysis may lose quality of life. This was an observational, "
        "mixed methods study with questionnaires and qualitative interviews. We recruited a "
        "prospective "
        "cohort of 150 older people starting dialysis and asked them about their quality of "
        "life every three months. Older patients kept their quality of life.",
        {"publication_types": ["Journal Article", "Observational Study"]},
        Design.cohort,
        "people",
    ),
    (
        "a MeSH case-control tag refines a reading the wording only hinted at",
        "To compare the prevalence of a gene variant between patients with liver disease and "
        "healthy controls, we genotyped 70 patients and 60 healthy controls. The variant was "
        "equally common in both groups. It was linked to iron stores in patients.",
        {"mesh_terms": ["Humans", "Case-Control Studies", "Liver Diseases"]},
        Design.case_control,
        "people",
    ),
    (
        "software built for patients' images, with no one counted",
        "We designed and developed an imaging analysis pipeline for patients with chronic "
        "lung disease. The software reads MRI and CT images and produces measures of "
        "ventilation and airway structure. All measures were generated within minutes, fast "
        "enough for clinical use.",
        {},
        Design.other,
        "unknown",
    ),
    (
        "a records review that reports who died is a cohort",
        "We retrospectively reviewed the medical records of 150 patients over 80 admitted "
        "with hip fracture in 2010-2020. Frailty scores were calculated from the records. "
        "Twenty patients died in hospital. Patients who died had higher frailty scores.",
        {},
        Design.cohort,
        "people",
    ),
    (
        "'in this retrospective study' with treatment names a cohort",
        "We compared two antiemetics given before colorectal surgery at our centre. In this "
        "retrospective study, patients receiving a single oral dose of the older drug used no "
        "more rescue antiemetics than patients receiving the newer one. The older drug is "
        "cheaper.",
        {},
        Design.cohort,
        "people",
    ),
    (
        "a crossover pharmacokinetic study in volunteers is a trial",
        "The pharmacokinetics of a slow-release tablet were studied in healthy volunteers. "
        "In a crossover study, 20 healthy subjects took the tablet and the standard tablet. "
        "Peak levels were reached four hours later with the slow-release tablet. A further "
        "study in 10 patients with arthritis gave similar results.",
        {},
        Design.nonrandomized_trial,
        "people",
    ),
    (
        "a test administered is a measure, not a treatment",
        "Memory decline may be detected early with brief tests. A new computerized memory "
        "test was administered to 120 older adults, who also had brain MRI. Lower test scores "
        "were associated with smaller hippocampal volume. The test may help detect early "
        "decline.",
        {},
        Design.cross_sectional,
        "people",
    ),
    (
        "a review in the passive: 'herein reviewed'",
        "Influenza can cause severe pneumonia. Oxidative stress is part of the damage. "
        "Glutathione precursors have antioxidant and anti-inflammatory effects, which are "
        "herein reviewed, and the oral administration of such a precursor may lower the risk "
        "of severe illness.",
        {},
        Design.narrative_review,
        "people",
    ),
    (
        "a frog oocyte is a cell, not a live frog",
        "A family with inherited arrhythmia carried a new variant in a potassium channel gene. "
        "We injected RNA for the variant channel into the Xenopus oocyte. Currents recorded "
        "from each injected Xenopus oocyte showed that the variant channel opened more slowly "
        "than the normal channel. Slow opening may explain the arrhythmia.",
        {},
        Design.in_vitro,
        "cells",
    ),
]


@pytest.mark.parametrize(
    ("abstract", "metadata", "design", "species"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_class_of_abstract_reads_as_its_design(
    abstract: str, metadata: dict, design: Design, species: str
) -> None:
    profile = profile_study(make_study(abstract, **metadata), SETTINGS)
    assert (profile.design, profile.species) == (design, species)


def test_fish_as_food_is_not_an_animal_studied() -> None:
    # Only fish named by kind count as animals: "olive oil, fish, nuts" is a diet.
    study = make_study(
        "A Mediterranean diet may protect the heart. We randomly assigned 300 adults to eat "
        "olive oil, fish, nuts and vegetables, or to a low-fat diet, for two years. Fewer "
        "heart attacks occurred with the Mediterranean diet. Fish intake rose by half."
    )
    assert profile_study(study, SETTINGS).species == "people"


def test_a_review_type_on_a_primary_study_keeps_the_type_as_the_rival() -> None:
    # The wording decides, but the reviewer sees that PubMed said otherwise.
    abstract, metadata = CASES[11][1], CASES[11][2]
    profile = profile_study(make_study(abstract, **metadata), SETTINGS)
    assert profile.confidence["design"].level == "low"
    assert profile.confidence["design"].alternative == "meta_analysis"
