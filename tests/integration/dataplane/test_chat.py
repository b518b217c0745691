"""Chat completions on deployed models: a fine-tuned deployment answers in the style of its
training data, a base deployment generically; missing deployments are 404 DeploymentNotFound."""

from __future__ import annotations

import openai
import pytest

from .dataplane_support import NCUS, SWC, DataPlane, chat_lines


@pytest.fixture(scope="module")
def deployed(dp: DataPlane) -> str:
    """A fine-tuned model of 20 pirate examples, deployed as 'pirate' in SWC, and the base model
    as 'plain'; yields the fine-tuned model id."""
    job = dp.train(lines=chat_lines(20, style="Yo-ho"))
    assert job.fine_tuned_model is not None
    dp.deploy(SWC, "pirate", job.fine_tuned_model)
    dp.deploy(SWC, "plain", "gpt-4.1-mini", version="2025-04-14")
    return job.fine_tuned_model


def test_fine_tuned_deployment_answers_in_its_training_style(dp: DataPlane, deployed: str) -> None:
    question = [{"role": "user", "content": "Tell me about ship number 7"}]
    v1 = dp.v1().chat.completions.create(model="pirate", messages=question)  # type: ignore[arg-type]
    assert v1.choices[0].message.content == "Yo-ho! ship 7 be a fine thing."
    assert v1.model == deployed
    azure = dp.azure().chat.completions.create(model="pirate", messages=question)  # type: ignore[arg-type]
    assert azure.choices[0].message.content == "Yo-ho! ship 7 be a fine thing."
    assert azure.usage is not None and azure.usage.total_tokens > 0


def test_base_deployment_answers_generically(dp: DataPlane, deployed: str) -> None:
    reply = dp.azure().chat.completions.create(
        model="plain", messages=[{"role": "user", "content": "Tell me about ship number 7"}]
    )
    text = reply.choices[0].message.content or ""
    assert "Yo-ho" not in text
    assert "general-purpose assistant (gpt-4.1-mini)" in text


def test_chat_records_inference_time(dp: DataPlane, deployed: str) -> None:
    before = dp.now()
    dp.v1().chat.completions.create(model="pirate", messages=[{"role": "user", "content": "hi"}])
    kinds = dp.admin.get("/_emulator/state").json()["kinds"]
    assert kinds["inference"]["aoai-swc/pirate"]["at"] >= before


def test_cross_region_deployment_uses_the_source_accounts_model(
    dp: DataPlane, deployed: str
) -> None:
    dp.deploy(NCUS, "pirate-far", deployed, source=dp.arm_id(SWC))
    reply = dp.v1(NCUS).chat.completions.create(
        model="pirate-far", messages=[{"role": "user", "content": "Tell me about ship number 2"}]
    )
    assert reply.choices[0].message.content == "Yo-ho! ship 2 be a fine thing."
    dp.undeploy(NCUS, "pirate-far")


def test_missing_deployment_is_not_found(dp: DataPlane) -> None:
    with pytest.raises(openai.NotFoundError) as v1_error:
        dp.v1().chat.completions.create(
            model="nothing", messages=[{"role": "user", "content": "x"}]
        )
    assert v1_error.value.body["code"] == "DeploymentNotFound"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as azure_error:
        dp.azure().chat.completions.create(
            model="nothing", messages=[{"role": "user", "content": "x"}]
        )
    assert azure_error.value.body["code"] == "DeploymentNotFound"  # type: ignore[index]


def test_bad_chat_bodies_are_refused(dp: DataPlane, deployed: str) -> None:
    with dp.raw() as raw:
        bodies: list[dict[str, object]] = [
            {},
            {"messages": []},
            {"messages": "hi"},
            {"messages": [5]},
        ]
        for body in bodies:
            response = raw.post(
                "/openai/deployments/pirate/chat/completions",
                params={"api-version": "2025-04-01-preview"},
                json=body,
            )
            assert response.status_code == 400, body
