"""The contract checker against Azure's published request examples and hand-made violations.

Accepted requests are built from the vendored examples (``examples/``, verbatim copies) and the
requests the Azure docs show; each refusal asserts the problem that names the operation and
the place, so a checker that let the request through (or blamed something else) fails.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from .checker import check_request, contract, operation_of

EXAMPLES = Path(__file__).resolve().parent / "examples"
SUB = "00000000-0000-0000-0000-000000000000"
PROVIDER = "providers/Microsoft.CognitiveServices"
REGION = f"/subscriptions/{SUB}/{PROVIDER}/locations/swedencentral"
ACCOUNT = f"/subscriptions/{SUB}/resourceGroups/rg-ft/{PROVIDER}/accounts/aoai-swc"
DEPLOYMENT = f"{ACCOUNT}/deployments/ft-chat"
ARM_HOST = "https://127.0.0.1:8443"
EMULATOR_DP = "https://127.0.0.1:8443/dp/aoai-swc"
AZURE_DP = "https://aoai-swc.openai.azure.com"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def request(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    multipart: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if headers is None:
        headers = {"content-type": "application/json"} if body is not None else {}
    return {
        "kind": "request",
        "seq": 1,
        "method": method,
        "url": url,
        "headers": headers,
        "body": body,
        "multipart": multipart,
    }


def arm(
    method: str, path: str, body: Any = None, api_version: str = "2025-09-01"
) -> dict[str, Any]:
    return request(method, f"{ARM_HOST}{path}?api-version={api_version}", body)


TRAINING_FILE = {"filename": "train.jsonl", "content_type": "application/jsonl", "bytes": 1234}


def upload(fields: dict[str, Any], files: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"fields": fields, "files": {"file": TRAINING_FILE} if files is None else files}


def job_create_v1(body: dict[str, Any]) -> dict[str, Any]:
    return request("POST", f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs", body)


def job_create_preview(body: dict[str, Any]) -> dict[str, Any]:
    url = f"{AZURE_DP}/openai/fine_tuning/jobs?api-version=2025-04-01-preview"
    return request("POST", url, body)


SUPERVISED_V1: dict[str, Any] = {
    "model": "gpt-4.1-mini-2025-04-14",
    "training_file": "file-abc",
    "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
}


# --- accepted: Azure's published examples and the docs' requests --------------------------


def test_put_deployment_example_body_is_accepted_on_2025_09_01() -> None:
    body = example("arm/2024-10-01.PutDeployment.json")["parameters"]["deployment"]
    record = arm("PUT", DEPLOYMENT, body)
    assert operation_of(record) == "ARM Deployments_CreateOrUpdate"
    assert check_request(record) == []


def test_update_deployment_example_body_is_accepted() -> None:
    parameters = example("arm/2025-09-01.UpdateDeployment.json")["parameters"]
    record = arm("PATCH", DEPLOYMENT, parameters["deployment"], parameters["api-version"])
    assert operation_of(record) == "ARM Deployments_Update"
    assert check_request(record) == []


def test_get_deployment_example_url_is_accepted() -> None:
    p = example("arm/2025-09-01.GetDeployment.json")["parameters"]
    path = (
        f"/subscriptions/{p['subscriptionId']}/resourceGroups/{p['resourceGroupName']}"
        f"/providers/Microsoft.CognitiveServices/accounts/{p['accountName']}"
        f"/deployments/{p['deploymentName']}"
    )
    record = arm("GET", path, api_version=p["api-version"])
    assert operation_of(record) == "ARM Deployments_Get"
    assert check_request(record) == []


def test_a_cross_tenant_put_the_tool_sends_is_accepted() -> None:
    source = f"/subscriptions/{SUB}/resourceGroups/rg/{PROVIDER}/accounts/src"
    body = {
        "sku": {"name": "Standard", "capacity": 1},
        "tags": {"reconciler-stack": "demo"},
        "properties": {
            "model": {
                "format": "OpenAI",
                "name": "gpt-4.1-mini-2025-04-14.ft-abc",
                "version": "1",
                "sourceAccount": source,
            },
            "raiPolicyName": "Microsoft.DefaultV2",
            "versionUpgradeOption": "NoAutoUpgrade",
        },
    }
    record = arm("PUT", DEPLOYMENT, body)
    record["headers"]["x-ms-authorization-auxiliary"] = "Bearer [REDACTED]"
    assert check_request(record) == []


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        (
            f"/subscriptions/{SUB}/resourceGroups/rg-ft/{PROVIDER}/accounts",
            "ARM Accounts_ListByResourceGroup",
        ),
        (ACCOUNT, "ARM Accounts_Get"),
        (f"{ACCOUNT}/deployments", "ARM Deployments_List"),
        (f"{DEPLOYMENT}/skus", "ARM Deployments_ListSkus"),
        (f"{ACCOUNT}/models", "ARM Accounts_ListModels"),
        (f"{ACCOUNT}/usages", "ARM Accounts_ListUsages"),
        (f"{REGION}/models", "ARM Models_List"),
        (f"{REGION}/usages", "ARM Usages_List"),
        (f"{REGION}/operationStatuses/op-1", "ARM LongRunningOperation_Status"),
        (f"{REGION}/operationResults/op-1", "ARM LongRunningOperation_Result"),
    ],
)
def test_the_arm_reads_the_tool_makes_are_accepted(path: str, operation: str) -> None:
    record = arm("GET", path)
    assert operation_of(record) == operation
    assert check_request(record) == []


def test_delete_deployment_is_accepted() -> None:
    assert check_request(arm("DELETE", DEPLOYMENT)) == []


def test_arm_next_link_skip_token_is_accepted_on_pageable_lists_only() -> None:
    listed = arm("GET", f"{ACCOUNT}/deployments")
    listed["url"] += "&$skipToken=2"
    assert check_request(listed) == []
    single = arm("GET", DEPLOYMENT)
    single["url"] += "&$skipToken=2"
    assert check_request(single) == [
        "ARM Deployments_Get: query $skipToken: not a parameter of this operation"
    ]


def test_post_finetuning_job_example_is_accepted_on_2025_04_01_preview() -> None:
    parameters = example("openai/2025-04-01-preview.post_finetuning_job.json")["parameters"]
    url = (
        f"{parameters['endpoint']}/openai/fine_tuning/jobs?api-version={parameters['api-version']}"
    )
    record = request("POST", url, parameters["fineTuningJob"])
    assert operation_of(record) == "2025-04-01-preview FineTuning_Create"
    assert check_request(record) == []


def test_post_finetuning_job_example_is_accepted_on_2024_10_21() -> None:
    parameters = example("openai/2024-10-21.post_finetuning_job.json")["parameters"]
    url = (
        f"{parameters['endpoint']}/openai/fine_tuning/jobs?api-version={parameters['api-version']}"
    )
    record = request("POST", url, parameters["fineTuningJob"])
    assert operation_of(record) == "2024-10-21 FineTuning_Create"
    assert check_request(record) == []


def test_upload_start_example_is_accepted_on_2024_10_21() -> None:
    parameters = example("openai/2024-10-21.upload_file_start.json")["parameters"]
    url = f"{parameters['endpoint']}/openai/uploads?api-version={parameters['api-version']}"
    record = request("POST", url, parameters["body"])
    assert operation_of(record) == "2024-10-21 UploadFile_Start"
    assert check_request(record) == []


def test_upload_file_example_is_accepted_as_multipart() -> None:
    parameters = example("openai/2025-04-01-preview.upload_file.json")["parameters"]
    url = f"{parameters['endpoint']}/openai/files?api-version={parameters['api-version']}"
    record = request(
        "POST",
        url,
        headers={"content-type": "multipart/form-data; boundary=x"},
        multipart=upload({"purpose": parameters["purpose"]}),
    )
    assert operation_of(record) == "2025-04-01-preview Files_Upload"
    assert check_request(record) == []


def test_pause_example_is_accepted_without_a_body() -> None:
    parameters = example("openai/2025-04-01-preview.pause_finetuning_job.json")["parameters"]
    url = (
        f"{parameters['endpoint']}/openai/fine_tuning/jobs/{parameters['fine-tuning-job-id']}"
        f"/pause?api-version={parameters['api-version']}"
    )
    assert check_request(request("POST", url)) == []


def test_the_docs_v1_upload_without_expires_after_is_accepted() -> None:
    # The v1 spec marks expires_after required; the docs' own upload omits it
    # (documented-relaxations.json).
    record = request(
        "POST", f"{EMULATOR_DP}/openai/v1/files", multipart=upload({"purpose": "fine-tune"})
    )
    assert operation_of(record) == "v1 createFile"
    assert check_request(record) == []


def test_an_expires_after_the_openai_sdk_encodes_is_checked_as_an_object() -> None:
    fields = {
        "purpose": "fine-tune",
        "expires_after[anchor]": "created_at",
        "expires_after[seconds]": "3600",
    }
    record = request("POST", f"{EMULATOR_DP}/openai/v1/files", multipart=upload(fields))
    assert check_request(record) == []
    fields["expires_after[seconds]"] = "soon"
    assert check_request(record) == [
        "v1 createFile: multipart.expires_after.seconds: 'soon' is not of type 'integer'"
    ]


def test_the_docs_v1_job_requests_are_accepted() -> None:
    seeded = {
        "model": "gpt-4.1-2025-04-14",
        "training_file": "file-t",
        "validation_file": "file-v",
        "seed": 105,
    }
    continued = {
        "model": "gpt-4.1-2025-04-14.ft-5fd1918ee65d4cd38a5dcf6835066ed7",
        "training_file": "file-t",
        "suffix": "round-2",
    }
    assert check_request(job_create_v1(seeded)) == []
    assert check_request(job_create_v1(continued)) == []


def test_a_v1_job_with_method_metadata_and_auto_hyperparameters_is_accepted() -> None:
    body = copy.deepcopy(SUPERVISED_V1)
    body["method"]["supervised"]["hyperparameters"] = {
        "n_epochs": "auto",
        "batch_size": 8,
        "learning_rate_multiplier": 0.5,
    }
    body["metadata"] = {"reconciler-fingerprint": "abc"}
    body["suffix"] = None
    assert check_request(job_create_v1(body)) == []


def test_the_docs_training_type_requests_are_accepted_on_2025_04_01_preview() -> None:
    # documented-extras.json: both fields exist only in the docs' requests on this api-version.
    global_training = {
        "model": "gpt-4.1-2025-04-14",
        "training_file": "file-t",
        "validation_file": "file-v",
        "seed": 105,
        "trainingType": "globalstandard",
    }
    developer = {
        "model": "gpt-4.1",
        "training_file": "file-t",
        "hyperparameters": {"prompt_loss_weight": 0.1},
        "trainingType": "developerTier",
    }
    assert check_request(job_create_preview(global_training)) == []
    assert check_request(job_create_preview(developer)) == []
    assert check_request(job_create_preview({**developer, "trainingType": "GlobalStandard"})) == []


def test_a_dpo_job_is_accepted_on_2025_04_01_preview() -> None:
    body = {
        "model": "gpt-4o",
        "training_file": "file-t",
        "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1, "n_epochs": 2}}},
    }
    assert check_request(job_create_preview(body)) == []


def test_the_docs_checkpoint_copy_is_accepted_with_its_preview_header() -> None:
    url = f"{AZURE_DP}/openai/v1/fine_tuning/jobs/ftjob-1/checkpoints/ftchkpt-1/copy"
    headers = {
        "content-type": "application/json",
        "aoai-copy-ft-checkpoints": "preview",
        "accept": "application/json",
    }
    body = {"destinationResourceId": ACCOUNT, "region": "northcentralus"}
    record = request("POST", url, body, headers=headers)
    assert operation_of(record) == "v1 FineTuning_CopyCheckpoint"
    assert check_request(record) == []
    status = request("GET", url, headers=headers)
    assert operation_of(status) == "v1 FineTuning_GetCheckpoint"
    assert check_request(status) == []


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/files", "v1 listFiles"),
        ("GET", "/files/file-1", "v1 retrieveFile"),
        ("DELETE", "/files/file-1", "v1 deleteFile"),
        ("GET", "/files/file-1/content", "v1 downloadFile"),
        ("GET", "/fine_tuning/jobs?limit=100&after=ftjob-0", "v1 listPaginatedFineTuningJobs"),
        ("GET", "/fine_tuning/jobs/ftjob-1", "v1 retrieveFineTuningJob"),
        ("GET", "/fine_tuning/jobs/ftjob-1/events?limit=20", "v1 listFineTuningEvents"),
        (
            "GET",
            "/fine_tuning/jobs/ftjob-1/checkpoints?limit=100",
            "v1 listFineTuningJobCheckpoints",
        ),
        ("POST", "/fine_tuning/jobs/ftjob-1/cancel", "v1 cancelFineTuningJob"),
        ("POST", "/fine_tuning/jobs/ftjob-1/pause", "v1 pauseFineTuningJob"),
        ("POST", "/fine_tuning/jobs/ftjob-1/resume", "v1 resumeFineTuningJob"),
        ("GET", "/models", "v1 listModels"),
        ("GET", "/models/gpt-4.1-mini-2025-04-14", "v1 retrieveModel"),
        ("POST", "/uploads/upload_1/cancel", "v1 cancelUpload"),
    ],
)
def test_the_v1_reads_and_actions_are_accepted(method: str, path: str, operation: str) -> None:
    record = request(method, f"{EMULATOR_DP}/openai/v1{path}")
    assert operation_of(record) == operation
    assert check_request(record) == []


def test_the_v1_uploads_the_tool_sends_are_accepted() -> None:
    start = {
        "bytes": 1080,
        "filename": "big.jsonl",
        "mime_type": "text/jsonl",
        "purpose": "fine-tune",
    }
    assert check_request(request("POST", f"{EMULATOR_DP}/openai/v1/uploads", start)) == []
    part = request(
        "POST",
        f"{EMULATOR_DP}/openai/v1/uploads/upload_1/parts",
        multipart={"fields": {}, "files": {"data": {"filename": "upload", "bytes": 9}}},
    )
    assert operation_of(part) == "v1 addUploadPart"
    assert check_request(part) == []
    complete = request(
        "POST", f"{EMULATOR_DP}/openai/v1/uploads/upload_1/complete", {"part_ids": ["part_1"]}
    )
    assert check_request(complete) == []


def test_v1_takes_a_published_api_version_or_none() -> None:
    url = f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs?api-version=preview"
    assert check_request(request("POST", url, SUPERVISED_V1)) == []


def test_records_that_are_not_requests_are_not_checked() -> None:
    response = {"kind": "response", "seq": 1, "status": 200, "body": {"anything": True}}
    assert check_request(response) == []
    assert operation_of(response) is None


def test_the_contract_is_read_once() -> None:
    assert contract() is contract()


# --- refused ----------------------------------------------------------------------------


def test_an_unknown_top_level_field_is_refused() -> None:
    body = example("arm/2024-10-01.PutDeployment.json")["parameters"]["deployment"]
    body["location"] = "swedencentral"
    assert check_request(arm("PUT", DEPLOYMENT, body)) == [
        "ARM Deployments_CreateOrUpdate: body.location: "
        "unknown property (not in the published schema)"
    ]


def test_an_unknown_nested_field_is_refused() -> None:
    body = example("arm/2024-10-01.PutDeployment.json")["parameters"]["deployment"]
    body["properties"]["model"]["trainingType"] = "standard"
    assert check_request(arm("PUT", DEPLOYMENT, body)) == [
        "ARM Deployments_CreateOrUpdate: body.properties.model.trainingType: "
        "unknown property (not in the published schema)"
    ]


def test_prompt_loss_weight_in_v1_supervised_hyperparameters_is_refused() -> None:
    body = copy.deepcopy(SUPERVISED_V1)
    body["method"]["supervised"]["hyperparameters"]["prompt_loss_weight"] = 0.1
    assert check_request(job_create_v1(body)) == [
        "v1 createFineTuningJob: body.method.supervised.hyperparameters.prompt_loss_weight: "
        "unknown property (not in the published schema)"
    ]


def test_training_type_on_v1_is_refused() -> None:
    # The v1 CreateFineTuningJobRequest has no trainingType: only the api-version style
    # 2025-04-01-preview requests in the docs carry it.
    assert check_request(job_create_v1({**SUPERVISED_V1, "trainingType": "globalstandard"})) == [
        "v1 createFineTuningJob: body.trainingType: unknown property (not in the published schema)"
    ]


def test_metadata_on_2025_04_01_preview_is_refused() -> None:
    body = {"model": "gpt-4.1", "training_file": "file-t", "metadata": {"k": "v"}}
    assert check_request(job_create_preview(body)) == [
        "2025-04-01-preview FineTuning_Create: body.metadata: "
        "unknown property (not in the published schema)"
    ]


def test_the_v1_method_shape_is_refused_on_2025_04_01_preview() -> None:
    assert check_request(job_create_preview(SUPERVISED_V1)) == [
        "2025-04-01-preview FineTuning_Create: body.method.supervised: "
        "unknown property (not in the published schema)"
    ]


def test_auto_hyperparameters_are_refused_on_2025_04_01_preview() -> None:
    body = {"model": "gpt-4.1", "training_file": "file-t", "hyperparameters": {"n_epochs": "auto"}}
    assert check_request(job_create_preview(body)) == [
        "2025-04-01-preview FineTuning_Create: body.hyperparameters.n_epochs: "
        "'auto' is not of type 'integer'"
    ]


def test_a_dpo_method_without_its_configuration_is_refused() -> None:
    body = {"model": "gpt-4o", "training_file": "file-t", "method": {"type": "dpo"}}
    assert check_request(job_create_preview(body)) == [
        "2025-04-01-preview FineTuning_Create: body.method.dpo: required property missing"
    ]


def test_the_documented_extras_are_limited_to_2025_04_01_preview() -> None:
    body = {"model": "gpt-4.1", "training_file": "file-t", "trainingType": "standard"}
    url = f"{AZURE_DP}/openai/fine_tuning/jobs?api-version=2024-10-21"
    assert check_request(request("POST", url, body)) == [
        "2024-10-21 FineTuning_Create: body.trainingType: "
        "unknown property (not in the published schema)"
    ]


def test_an_undocumented_training_type_is_refused() -> None:
    body = {"model": "gpt-4.1", "training_file": "file-t", "trainingType": "premium"}
    (problem,) = check_request(job_create_preview(body))
    assert problem.startswith("2025-04-01-preview FineTuning_Create: body.trainingType: 'premium'")


def test_an_unpublished_arm_api_version_is_refused() -> None:
    assert check_request(arm("GET", DEPLOYMENT, api_version="2099-01-01")) == [
        "ARM Deployments_Get: api-version '2099-01-01' is not a published "
        "Microsoft.CognitiveServices one"
    ]


def test_a_published_but_unvendored_arm_api_version_is_named() -> None:
    assert check_request(arm("GET", DEPLOYMENT, api_version="2024-10-01")) == [
        "ARM Deployments_Get: api-version '2024-10-01' is published but only 2025-09-01 "
        "is vendored here"
    ]


def test_an_unpublished_data_plane_api_version_is_refused() -> None:
    url = f"{AZURE_DP}/openai/fine_tuning/jobs?api-version=2023-01-01"
    record = request("POST", url, {"model": "gpt-4.1", "training_file": "file-t"})
    assert operation_of(record) is None
    assert check_request(record) == [
        "data plane POST /openai/fine_tuning/jobs: api-version '2023-01-01' is not a published one"
    ]


def test_an_api_version_style_version_on_v1_is_refused() -> None:
    url = f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs?api-version=2025-04-01-preview"
    assert check_request(request("POST", url, SUPERVISED_V1)) == [
        "v1 createFineTuningJob: api-version '2025-04-01-preview' is not published for "
        "/openai/v1 (absent, preview or v1)"
    ]


def test_a_missing_arm_api_version_is_refused() -> None:
    record = request("GET", f"{ARM_HOST}{DEPLOYMENT}")
    assert check_request(record) == ["ARM Deployments_Get: api-version missing"]


def test_a_missing_data_plane_api_version_is_refused() -> None:
    record = request("GET", f"{AZURE_DP}/openai/fine_tuning/jobs")
    assert check_request(record) == [
        "data plane GET /openai/fine_tuning/jobs: api-version missing (required on /openai/<path>)"
    ]


def test_an_unknown_path_is_refused() -> None:
    record = request("POST", f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs/ftjob-1/restart")
    assert operation_of(record) is None
    assert check_request(record) == [
        "v1 POST /dp/aoai-swc/openai/v1/fine_tuning/jobs/ftjob-1/restart: unknown path "
        "/fine_tuning/jobs/ftjob-1/restart (no published v1 operation)"
    ]
    arm_record = arm("GET", f"{ACCOUNT}/widgets")
    assert operation_of(arm_record) is None
    (problem,) = check_request(arm_record)
    assert "unknown path" in problem and problem.startswith("ARM GET")


def test_an_unpublished_method_is_refused() -> None:
    record = request("PUT", f"{EMULATOR_DP}/openai/v1/files/file-1")
    assert check_request(record) == [
        "v1 PUT /dp/aoai-swc/openai/v1/files/file-1: PUT is not published for "
        "/files/{file_id} (only DELETE, GET)"
    ]


def test_a_wrong_type_is_refused() -> None:
    body = example("arm/2025-09-01.UpdateDeployment.json")["parameters"]["deployment"]
    body["sku"]["capacity"] = "2"
    assert check_request(arm("PATCH", DEPLOYMENT, body)) == [
        "ARM Deployments_Update: body.sku.capacity: '2' is not of type 'integer'"
    ]
    assert check_request(job_create_v1({**SUPERVISED_V1, "seed": "7"})) == [
        "v1 createFineTuningJob: body.seed: '7' is not of type 'integer', 'null'"
    ]


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (
            lambda b: b["properties"].__setitem__("provisioningState", "Succeeded"),
            "body.properties.provisioningState",
        ),
        (lambda b: b.__setitem__("id", DEPLOYMENT), "body.id"),
        (lambda b: b.__setitem__("etag", "W/1"), "body.etag"),
        (lambda b: b.__setitem__("systemData", {"createdBy": "me"}), "body.systemData"),
        (
            lambda b: b["properties"].__setitem__("capabilities", {"chatCompletion": "true"}),
            "body.properties.capabilities",
        ),
        (
            lambda b: b["properties"]["model"].__setitem__("callRateLimit", {"count": 1}),
            "body.properties.model.callRateLimit",
        ),
    ],
)
def test_a_read_only_arm_property_in_a_put_is_refused(mutate: Any, where: str) -> None:
    body = example("arm/2024-10-01.PutDeployment.json")["parameters"]["deployment"]
    mutate(body)
    assert check_request(arm("PUT", DEPLOYMENT, body)) == [
        f"ARM Deployments_CreateOrUpdate: {where}: read-only property; a request must not send it"
    ]


def test_a_missing_required_field_is_refused() -> None:
    body = example("arm/2024-10-01.PutDeployment.json")["parameters"]["deployment"]
    del body["sku"]["name"]
    assert check_request(arm("PUT", DEPLOYMENT, body)) == [
        "ARM Deployments_CreateOrUpdate: body.sku.name: required property missing"
    ]
    no_file = {"model": "gpt-4.1-mini-2025-04-14"}
    assert check_request(job_create_v1(no_file)) == [
        "v1 createFineTuningJob: body.training_file: required property missing"
    ]


def test_a_missing_body_is_refused() -> None:
    assert check_request(arm("PUT", DEPLOYMENT)) == [
        "ARM Deployments_CreateOrUpdate: body: required JSON body missing"
    ]


def test_a_body_on_an_operation_without_one_is_refused() -> None:
    record = request("POST", f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs/ftjob-1/cancel", {})
    assert check_request(record) == [
        "v1 cancelFineTuningJob: body: this operation takes no request body"
    ]


def test_an_undeclared_query_parameter_is_refused() -> None:
    # The v1 listFiles publishes only purpose (OpenAI's own API also has limit/after/order).
    record = request("GET", f"{EMULATOR_DP}/openai/v1/files?purpose=fine-tune&order=desc")
    assert check_request(record) == ["v1 listFiles: query order: not a parameter of this operation"]
    jobs = request("GET", f"{EMULATOR_DP}/openai/v1/fine_tuning/jobs?limit=many")
    assert check_request(jobs) == [
        "v1 listPaginatedFineTuningJobs: query limit: 'many' is not of type 'integer'"
    ]


def test_an_invalid_path_parameter_is_refused() -> None:
    path = DEPLOYMENT.replace("accounts/aoai-swc", "accounts/-bad")
    (problem,) = check_request(arm("GET", path))
    assert problem.startswith("ARM Deployments_Get: path {accountName}: '-bad' does not match")


def test_a_checkpoint_copy_without_its_preview_header_is_refused() -> None:
    url = f"{AZURE_DP}/openai/v1/fine_tuning/jobs/ftjob-1/checkpoints/ftchkpt-1/copy"
    body = {"destinationResourceId": ACCOUNT, "region": "northcentralus"}
    plain = request(
        "POST",
        url,
        body,
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert check_request(plain) == [
        "v1 FineTuning_CopyCheckpoint: header aoai-copy-ft-checkpoints: required header missing"
    ]
    plain["headers"]["aoai-copy-ft-checkpoints"] = "true"
    assert check_request(plain) == [
        "v1 FineTuning_CopyCheckpoint: header aoai-copy-ft-checkpoints: 'true' is not one of "
        "['preview']"
    ]


def test_a_checkpoint_copy_missing_its_region_is_refused() -> None:
    url = f"{AZURE_DP}/openai/v1/fine_tuning/jobs/ftjob-1/checkpoints/ftchkpt-1/copy"
    headers = {
        "content-type": "application/json",
        "aoai-copy-ft-checkpoints": "preview",
        "accept": "application/json",
    }
    record = request("POST", url, {"destinationResourceId": ACCOUNT}, headers=headers)
    assert check_request(record) == [
        "v1 FineTuning_CopyCheckpoint: body.region: required property missing"
    ]


def test_multipart_problems_are_refused() -> None:
    url = f"{EMULATOR_DP}/openai/v1/files"
    assert check_request(request("POST", url, multipart=upload({}))) == [
        "v1 createFile: multipart.purpose: required property missing"
    ]
    assert check_request(
        request("POST", url, multipart=upload({"purpose": "fine-tune-results"}))
    ) == [
        "v1 createFile: multipart.purpose: 'fine-tune-results' is not one of "
        "['assistants', 'batch', 'fine-tune', 'evals']"
    ]
    assert check_request(request("POST", url, multipart=upload({"purpose": "fine-tune"}, {}))) == [
        "v1 createFile: multipart file: required file part missing"
    ]
    extra = upload({"purpose": "fine-tune", "filename": "x.jsonl"})
    assert check_request(request("POST", url, multipart=extra)) == [
        "v1 createFile: multipart.filename: unknown property (not in the published schema)"
    ]
    assert check_request(request("POST", url, {"purpose": "fine-tune"})) == [
        "v1 createFile: body: a JSON body where the operation takes multipart/form-data"
    ]


def test_a_wrong_content_type_for_a_json_body_is_refused() -> None:
    record = job_create_v1(SUPERVISED_V1)
    record["headers"]["content-type"] = "text/plain"
    assert check_request(record) == [
        "v1 createFineTuningJob: header content-type: 'text/plain' is not one of "
        "['application/json']"
    ]


# --- the Activity Log (Microsoft.Insights ActivityLogs_List, api-version 2015-04-01) ----------

ACTIVITY = f"/subscriptions/{SUB}/providers/Microsoft.Insights/eventtypes/management/values"


def activity(query: str) -> dict[str, Any]:
    return request("GET", f"{ARM_HOST}{ACTIVITY}?{query}")


def test_the_published_activity_log_example_request_is_accepted() -> None:
    parameters = example("monitor/2015-04-01.GetActivityLogsFiltered.json")["parameters"]
    path = ACTIVITY.replace(SUB, parameters["subscriptionId"])
    query = urlencode({"api-version": parameters["api-version"], "$filter": parameters["$filter"]})
    record = request("GET", f"{ARM_HOST}{path}?{query}")
    assert operation_of(record) == "ARM Microsoft.Insights ActivityLogs_List"
    assert check_request(record) == []


def test_the_activity_log_query_the_tool_sends_and_its_next_page_are_accepted() -> None:
    query = "eventTimestamp ge '2026-11-01T00:00:00Z' and resourceGroupName eq 'rg-ft'"
    assert check_request(activity(urlencode({"api-version": "2015-04-01", "$filter": query}))) == []
    page = urlencode({"api-version": "2015-04-01", "$filter": query, "$skipToken": "100"})
    assert check_request(activity(page)) == []


def test_the_activity_log_is_held_to_its_own_api_version_and_parameters() -> None:
    wrong = check_request(activity("api-version=2025-09-01&$filter=x"))
    assert wrong == [
        "ARM Microsoft.Insights ActivityLogs_List: api-version '2025-09-01' is not the one "
        "publishing ActivityLogs_List"
    ]
    unknown = check_request(activity("api-version=2015-04-01&$filter=x&$top=5"))
    assert unknown == [
        "ARM Microsoft.Insights ActivityLogs_List: query $top: not a parameter of this operation"
    ]
    posted = check_request(request("POST", f"{ARM_HOST}{ACTIVITY}?api-version=2015-04-01", {}))
    assert posted and "POST is not published" in posted[0]


def _reinforcement_job(grader: dict[str, Any]) -> dict[str, Any]:
    return job_create_v1(
        {
            "model": "o4-mini-2025-04-16",
            "training_file": "file-1",
            "validation_file": "file-2",
            "method": {
                "type": "reinforcement",
                "reinforcement": {
                    "grader": grader,
                    "hyperparameters": {"n_epochs": 2, "reasoning_effort": "low"},
                },
            },
            "metadata": {"reconciler-stack": "s"},
        }
    )


STRING_CHECK = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


@pytest.mark.parametrize(
    "grader",
    [
        STRING_CHECK,
        {
            "type": "multi",
            "name": "both",
            "graders": {
                "exact": STRING_CHECK,
                "code": {"type": "python", "name": "p", "source": "def grade(s, i):\n  return 1"},
            },
            "calculate_output": "(exact + code) / 2",
        },
        {
            "type": "label_model",
            "name": "mood",
            "model": "gpt-4o-2024-08-06",
            "input": [{"role": "user", "content": "{{sample.output_text}}"}],
            "labels": ["good", "bad"],
            "passing_labels": ["good"],
        },
    ],
    ids=["string_check", "multi-with-python", "label_model"],
)
def test_reinforcement_jobs_with_documented_graders_are_accepted_on_v1(
    grader: dict[str, Any],
) -> None:
    assert check_request(_reinforcement_job(grader)) == []


def test_a_grader_field_the_published_schema_lacks_is_refused() -> None:
    problems = check_request(_reinforcement_job({**STRING_CHECK, "pass_threshold": 1}))
    assert problems and "grader" in problems[0]


def test_a_string_check_without_its_operation_is_refused() -> None:
    grader = {k: v for k, v in STRING_CHECK.items() if k != "operation"}
    assert check_request(_reinforcement_job(grader))
