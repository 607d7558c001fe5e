"""Pages of the campaign app."""

from django.urls import path

from . import views

app_name = "campaign"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/import/", views.plan_import, name="plan_import"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/action/", views.plan_action, name="plan_action"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("occurrences/", views.occurrences, name="occurrences"),
    path("occurrences/<int:occurrence_id>/", views.occurrence_detail, name="occurrence"),
    path(
        "occurrences/<int:occurrence_id>/submit/", views.occurrence_submit, name="occurrence_submit"
    ),
    path(
        "occurrences/<int:occurrence_id>/review/", views.occurrence_review, name="occurrence_review"
    ),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("criteria/", views.criteria, name="criteria"),
    path("criteria/<int:criterion_id>/", views.criterion_folder, name="criterion"),
    path("criteria/<int:criterion_id>/evidence.zip", views.criterion_zip, name="criterion_zip"),
    path("unit-plans/", views.unit_plans, name="unit_plans"),
    path("unit-plans/edit/", views.unit_plan_edit, name="unit_plan_edit"),
    path("pairings/", views.pairings, name="pairings"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    path("pairings/registrations/", views.registrations_import, name="registrations_import"),
    path("pairings/<int:pairing_id>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pairing_id>/action/", views.pairing_action, name="pairing_action"),
    path("activities/<int:activity_id>/offer/", views.activity_offer, name="activity_offer"),
]
