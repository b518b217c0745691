"""Models: list, get, delete (refused while deployed) through the real clients, with a
deployment made through the real CognitiveServicesManagementClient."""

from __future__ import annotations

from types import SimpleNamespace

import openai
import pytest

from .dataplane_support import BASE, NCUS, SWC, DataPlane


def test_list_has_regional_base_models_and_the_accounts_fine_tuned_models(dp: DataPlane) -> None:
    job = dp.train()
    other = dp.train(account=NCUS)
    ids = {m.id for m in dp.v1().models.list()}
    assert BASE in ids
    assert "o4-mini-2025-04-16" in ids  # fine-tunable in swedencentral (standard)
    assert job.fine_tuned_model in ids
    assert other.fine_tuned_model not in ids  # held by the other account
    ncus_ids = {m.id for m in dp.azure(NCUS).models.list()}
    assert "gpt-35-turbo-0613" in ncus_ids
    assert other.fine_tuned_model in ncus_ids


def test_get_base_and_fine_tuned_models(dp: DataPlane) -> None:
    job = dp.train()
    assert job.fine_tuned_model is not None
    base = dp.azure().models.retrieve(BASE).model_dump()
    assert base["capabilities"]["fine_tune"] is True
    assert base["lifecycle_status"] == "generally-available"
    assert base["status"] == "succeeded"
    tuned = dp.v1().models.retrieve(job.fine_tuned_model).model_dump()
    assert tuned["model"] == BASE and tuned["fine_tune"] == job.id
    assert tuned["owned_by"] and tuned["created"] == tuned["created_at"]
    checkpoint = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data[0]
    assert dp.v1().models.retrieve(checkpoint.id).model_dump()["fine_tune"] == job.id
    with pytest.raises(openai.NotFoundError):
        dp.v1().models.retrieve(f"{BASE}.ft-{'0' * 32}")


def test_delete_is_refused_while_deployed(dp: DataPlane) -> None:
    job = dp.train()
    model = job.fine_tuned_model
    assert model is not None
    dp.deploy(SWC, "held-model", model)
    with pytest.raises(openai.ConflictError) as error:
        dp.v1().models.delete(model)
    assert "swc/held-model" in error.value.message
    with dp.raw() as raw:
        response = raw.delete(
            f"/openai/models/{model}", params={"api-version": "2025-04-01-preview"}
        )
        job_delete = raw.delete(
            f"/openai/fine_tuning/jobs/{job.id}", params={"api-version": "2025-04-01-preview"}
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert job_delete.status_code == 409
    dp.undeploy(SWC, "held-model")
    deleted = dp.v1().models.delete(model)
    assert deleted.deleted is True and deleted.id == model
    with pytest.raises(openai.NotFoundError):
        dp.v1().models.retrieve(model)
    assert model not in {m.id for m in dp.v1().models.list()}


def test_base_models_cannot_be_deleted(dp: DataPlane) -> None:
    with pytest.raises(openai.PermissionDeniedError):
        dp.v1().models.delete(BASE)


def test_azure_style_models_have_the_keys_of_azures_examples(
    dp: DataPlane, published: SimpleNamespace
) -> None:
    job = dp.train()
    with dp.raw() as raw:
        params = {"api-version": "2025-04-01-preview"}
        base = raw.get(f"/openai/models/{BASE}", params=params).json()
        tuned = raw.get(f"/openai/models/{job.fine_tuned_model}", params=params).json()
        listed = raw.get("/openai/models", params=params).json()
    assert set(base) <= set(published.example("openai/2025-04-01-preview.get_model_base.json"))
    assert set(tuned) <= set(published.example("openai/2025-04-01-preview.get_model_finetune.json"))
    finetune_keys = set(published.example("openai/2025-04-01-preview.get_model_finetune.json"))
    assert all(set(m) <= finetune_keys for m in listed["data"])
    assert "created" not in base and "owned_by" not in tuned  # OpenAI's, v1 only
