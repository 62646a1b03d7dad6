"""Design and species from PubMed's metadata first, the wording as the cross-check; every field's
confidence; and a study of people never left as `other` without a reason."""

from __future__ import annotations

from pathlib import Path

from helpers import make_study

from pipeline.ingest import load_file
from pipeline.profile import profile_study
from pipeline.records import Design
from pipeline.settings import Settings

SETTINGS = Settings()

# Patients on their usual treatment, sampled over time: no design named, no randomisation.
SAMPLED = (
    "Tuberculosis changes blood monocytes. We analysed serial blood samples from 60 patients "
    "with tuberculosis undergoing treatment. Monocyte counts were low before treatment, rose "
    "during the first month and fell after treatment ended. Monocytes may track recovery."
)
# A plainly worded trial with no randomisation named, read by the wording alone as a cohort.
FOLLOWED = (
    "We followed 120 adults with asthma for two years while they used a new inhaler. Attacks "
    "fell by a third over the two years, and lung function improved in most of them. The "
    "inhaler was well tolerated and few people stopped using it during the study."
)
POOLED_REVIEW = (
    "We searched MEDLINE and Embase for trials of exercise in people with heart failure. "
    "Twelve trials with 1,200 participants met the inclusion criteria. Exercise reduced "
    "hospital admissions (RR 0.75, 95% CI 0.62 to 0.91). Exercise seems safe in heart failure."
)
DOSED = (
    "Forty subjects received the compound daily for four weeks. Body weight fell by 12% and "
    "fasting glucose by 20% compared with untreated subjects. Liver fat was also reduced. The "
    "compound may be worth testing for obesity."
)
PEOPLE_NO_DESIGN = (
    "Sleep problems are common in multiple sclerosis. We measured sleep quality and fatigue in "
    "214 people with MS attending two clinics. Poor sleep was reported by 61% and was linked "
    "with worse fatigue scores. Sleep deserves attention in MS care."
)
EXPERIMENT = (
    "How the brain binds two flashes into one percept is unclear. Subjects viewed pairs of "
    "flashes while we recorded EEG data and manipulated the interval between the stimuli. The "
    "phase of alpha oscillations before the stimuli predicted what subjects perceived."
)


def test_an_observational_publication_type_outranks_treatment_wording() -> None:
    # The wording alone reads "before/after treatment" as a trial the study ran; NLM says it is
    # an observational study, so it is one, with the wording's reading kept as the rival.
    study = make_study(
        "We studied 60 patients with tuberculosis after treatment with standard drugs and "
        "measured monocyte counts at diagnosis and after treatment. Counts were low at first "
        "and rose later. Monocytes may track recovery.",
        publication_types=["Journal Article", "Observational Study"],
    )
    profile = profile_study(study, SETTINGS)
    assert profile.design in (Design.cross_sectional, Design.cohort)
    assert profile.observational and "association_not_causation" in profile.required_caveats
    assert profile.confidence["design"].level == "medium"
    assert profile.confidence["design"].alternative == "nonrandomized_trial"


def test_a_phased_clinical_trial_type_is_a_trial() -> None:
    # "Clinical Trial, Phase III" is indexed with its phase; the wording alone reads a cohort.
    study = make_study(FOLLOWED, publication_types=["Clinical Trial, Phase III", "Journal Article"])
    profile = profile_study(study, SETTINGS)
    assert profile.design == Design.nonrandomized_trial
    assert profile.is_intervention
    assert profile.confidence["design"].alternative == "cohort"


def test_a_review_type_that_pools_trials_is_a_meta_analysis() -> None:
    # NLM types many systematic reviews only as "Review": the wording picks within the family.
    study = make_study(POOLED_REVIEW, publication_types=["Journal Article", "Review"])
    profile = profile_study(study, SETTINGS)
    assert profile.design == Design.meta_analysis
    assert profile.confidence["design"].level == "high"
    assert profile.participants == 1200


def test_mesh_check_tags_say_animals_when_the_wording_does_not() -> None:
    study = make_study(DOSED, mesh_terms=["Animals", "Mice", "Obesity", "Male"])
    profile = profile_study(study, SETTINGS)
    assert (profile.species, profile.design) == ("animals", Design.animal)
    assert profile.animals == ["mice"]
    assert profile.participants is None
    assert "animal_model" in profile.required_caveats
    assert profile.confidence["species"].alternative == "people"


def test_mesh_humans_confirms_the_wording() -> None:
    study = make_study(PEOPLE_NO_DESIGN, mesh_terms=["Humans", "Multiple Sclerosis", "Fatigue"])
    assert profile_study(study, SETTINGS).confidence["species"].level == "high"


def test_every_field_has_a_confidence_and_a_reason() -> None:
    profile = profile_study(make_study(FOLLOWED), SETTINGS)
    for field in ("design", "species", "participants", "conditions", "followup"):
        assert profile.confidence[field].level in ("high", "medium", "low")
        assert profile.confidence[field].reason


def test_a_study_of_people_with_no_design_named_gets_the_likeliest_design() -> None:
    profile = profile_study(make_study(PEOPLE_NO_DESIGN), SETTINGS)
    assert profile.species == "people"
    assert profile.design == Design.cross_sectional  # measured once, no follow-up
    assert profile.confidence["design"].level == "low"
    assert profile.confidence["design"].alternative == "other"
    assert profile.evidence["design"].startswith("We measured sleep quality")


def test_a_lab_experiment_in_people_is_other_and_says_why() -> None:
    profile = profile_study(make_study(EXPERIMENT), SETTINGS)
    assert profile.design == Design.other
    assert profile.confidence["design"].level == "low"
    assert "experiment" in profile.confidence["design"].reason


def test_patients_sampled_on_their_usual_treatment_are_a_cohort_not_a_trial() -> None:
    profile = profile_study(make_study(SAMPLED), SETTINGS)
    assert profile.design == Design.cohort
    assert profile.confidence["design"].alternative == "nonrandomized_trial"


def test_a_handful_of_patients_described_is_a_case_series_though_called_a_cohort() -> None:
    study = make_study(
        "Background: The aim of this study is to describe the clinical and genetic findings in "
        "thirteen patients with a rare metabolic disease. Results: Seven patients carried "
        "mutations in one gene and five in another. All patients had developmental delay. "
        "Conclusions: The mutations found extend what is known about the disease.",
        title="Clinical and genetic findings in a cohort of patients with a rare disease",
    )
    profile = profile_study(study, SETTINGS)
    assert profile.design == Design.case_report
    assert profile.confidence["design"].alternative == "cohort"


def test_a_cohort_that_follows_people_stays_a_cohort() -> None:
    study = make_study(
        "The aim of this study is to describe outcomes in 15 patients with a rare disease in a "
        "prospective cohort. Patients were followed for five years. Two relapsed.",
    )
    assert profile_study(study, SETTINGS).design == Design.cohort


def test_a_review_of_animal_experiments_keeps_its_animals() -> None:
    study = make_study(
        "We performed a meta-analysis of 40 experiments in which predators were offered "
        "mosquito larvae. Fish reduced larval numbers more than insects did. The effect was "
        "larger in small containers. Predators may help control mosquitoes.",
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.species) == (Design.meta_analysis, "animals")


def test_a_before_and_after_study_is_a_non_randomised_trial() -> None:
    study = make_study(
        "We assessed 32 adults with knee pain at baseline and after 12 weeks of a supervised "
        "exercise program. Pain scores fell by 40% and walking distance improved. The program "
        "appears feasible in primary care."
    )
    assert profile_study(study, SETTINGS).design == Design.nonrandomized_trial


def test_a_single_group_study_is_a_non_randomised_trial_with_no_comparison() -> None:
    study = make_study(
        "In this single-group study, 25 children with asthma used a smartphone reminder app for "
        "three months. Adherence rose from 50% to 80%. Asthma control improved in most children."
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.has_comparison) == (Design.nonrandomized_trial, False)
    assert "preliminary" in profile.required_caveats


def test_an_uncontrolled_case_series_is_a_case_series_not_a_trial() -> None:
    study = make_study(
        "This uncontrolled case series reports eight patients with chronic migraine who received "
        "nerve blocks. Headache days fell in six of them within a month of the first block."
    )
    profile = profile_study(study, SETTINGS)
    assert profile.design == Design.case_report
    assert profile.confidence["design"].alternative == "nonrandomized_trial"


def test_a_qualitative_study_is_other_and_says_why() -> None:
    study = make_study(
        "We interviewed 20 people with MS about their experiences of fatigue. Thematic analysis "
        "identified three themes: loss, adjustment and support. Services should address these."
    )
    profile = profile_study(study, SETTINGS)
    assert profile.design == Design.other
    assert "qualitative" in profile.confidence["design"].reason


def test_people_measured_once_with_an_association_are_a_snapshot() -> None:
    study = make_study(
        "We examined the association between sleep duration and depression in 5,000 adults "
        "from a national biobank. Short sleep was associated with higher odds of depression "
        "(OR 1.4, 95% CI 1.2 to 1.6). Sleep may matter for mood."
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.participants) == (Design.cross_sectional, 5000)
    assert profile.confidence["design"].level == "medium"


def test_mesh_check_tags_survive_a_long_mesh_list(tmp_path: Path) -> None:
    # A study keeps at most 50 MeSH terms; the check tags saying who was studied come first.
    mesh = [f"Term {i:02d}" for i in range(60)] + ["Animals", "Mice"]
    headings = "".join(
        f"<MeshHeading><DescriptorName>{term}</DescriptorName></MeshHeading>" for term in mesh
    )
    path = tmp_path / "long_mesh.xml"
    path.write_text(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>123456</PMID><Article>"
        "<Journal><Title>A journal</Title></Journal><ArticleTitle>A compound and weight"
        f"</ArticleTitle><Abstract><AbstractText>{DOSED} {DOSED}</AbstractText></Abstract>"
        "</Article>"
        f"<MeshHeadingList>{headings}</MeshHeadingList></MedlineCitation></PubmedArticle>"
        "</PubmedArticleSet>",
        encoding="utf-8",
    )
    (study,) = load_file(path, SETTINGS)
    assert {"Animals", "Mice"} <= set(study.mesh_terms)
    assert profile_study(study, SETTINGS).species == "animals"


def test_a_review_citing_cohort_studies_is_a_review_not_a_cohort() -> None:
    study = make_study(
        "Disease-modifying therapies have changed the outlook for people with MS. Prospective "
        "cohort studies show that early treatment delays disability. Here we summarise the "
        "evidence on when to start and switch treatment, and discuss safety monitoring."
    )
    assert profile_study(study, SETTINGS).design == Design.narrative_review


def test_a_review_whose_discussion_names_future_research_is_still_a_review() -> None:
    study = make_study(
        "Several randomised controlled trials have tested vitamin D in MS. Their results are "
        "mixed. We discuss the design of these trials, the doses used and the reasons for their "
        "differing results, and suggest priorities for future research."
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.species) == (Design.narrative_review, "people")


def test_one_patient_described_by_age_is_a_case_report_without_any_we() -> None:
    study = make_study(
        "A 34-year-old woman with MS developed severe rebound after stopping natalizumab. MRI "
        "showed many new lesions. She improved after high-dose steroids and a new therapy."
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.participants) == (Design.case_report, 1)


def test_people_followed_for_years_are_a_cohort_at_medium_confidence() -> None:
    study = make_study(
        "We followed 450 people with newly diagnosed MS for ten years. Those who smoked reached "
        "disability milestones sooner (HR 1.6, 95% CI 1.2 to 2.1). Smoking may speed disability."
    )
    profile = profile_study(study, SETTINGS)
    assert (profile.design, profile.confidence["design"].level) == (Design.cohort, "medium")
