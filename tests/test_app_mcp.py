"""The app as MCP tools: a real ``python app.py``, listed and called with the ``mcp`` client
library over localhost, and the results checked against the same calls through gradio_client."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import urllib.request

import numpy as np
import pytest
from gradio_client import Client, handle_file
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from PIL import Image

from webui.degrade_handlers import DEGRADE_API_PARAMETERS

TOOLS = ("restore", "degrade", "compare", "study")


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:72, 0:96]
    clean = np.clip(np.dstack([x * 2.5, y * 3.0, (x + y) * 1.2]) + rng.normal(0, 6, (72, 96, 3)), 0, 255).astype(np.uint8)
    other = np.clip(clean.astype(int) + rng.normal(0, 20, clean.shape), 0, 255).astype(np.uint8)
    folder = tmp_path_factory.mktemp("mcp-pictures")
    paths = {"clean": folder / "clean.png", "other": folder / "other.png"}
    Image.fromarray(clean).save(paths["clean"])
    Image.fromarray(other).save(paths["other"])
    return paths


def _data_url(path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _mcp(url: str, call):
    """Run ``await call(session)`` in an MCP session with the app (streamable HTTP)."""

    async def session_run():
        async with streamablehttp_client(url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await call(session)

    return asyncio.run(session_run())


def _first_image(result, url: str) -> np.ndarray:
    """The first picture of an MCP tool result: inline image data or a link to the file."""
    for item in result.content:
        if item.type == "image":
            return np.asarray(Image.open(io.BytesIO(base64.b64decode(item.data))).convert("RGB"))
        found = re.search(r"https?://[^'\" ]+/gradio_api/file=[^'\" ]+", getattr(item, "text", "") or "")
        if found:
            with urllib.request.urlopen(found.group(0), timeout=30) as response:
                return np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB"))
    raise AssertionError(f"no image in the tool result: {result.content!r}")


def test_the_tools_are_listed_with_descriptions_for_agents(server):
    tools = {tool.name: tool for tool in _mcp(server, lambda session: session.list_tools()).tools}
    assert set(TOOLS) <= set(tools)
    for name in TOOLS:
        assert len(tools[name].description) > 60, name  # says what it does and returns
        properties = tools[name].inputSchema["properties"]
        assert all(spec.get("description") for spec in properties.values()), name
    degrade = tools["degrade"].inputSchema["properties"]
    assert set(DEGRADE_API_PARAMETERS) <= set(degrade)
    assert "0 (off) to 1" in degrade["grain"]["description"]
    assert "0 to 360" in degrade["tint_hue"]["description"]
    assert "channel_loss" in degrade["band_form"]["description"] or "channel loss" in degrade["band_form"]["description"]
    assert "Returns" in tools["degrade"].description and "SSIM" in tools["compare"].description


def test_degrade_through_mcp_matches_gradio_client(server, pictures):
    settings = {"grain": 0.8, "jitter": 0.6, "chroma_delay": 0.5, "seed": 11}
    result = _mcp(server, lambda session: session.call_tool("degrade", {"image": _data_url(pictures["clean"]), **settings}))
    assert not result.isError, result.content
    through_mcp = _first_image(result, server)

    preview, _ = Client(server, verbose=False).predict(image=handle_file(str(pictures["clean"])), **settings, api_name="/degrade")
    through_client = np.asarray(Image.open(preview).convert("RGB"))
    assert through_mcp.shape == through_client.shape == (72, 96, 3)
    np.testing.assert_array_equal(through_mcp, through_client)
    assert not np.array_equal(through_mcp, np.asarray(Image.open(pictures["clean"])))  # really damaged


def test_compare_through_mcp_matches_gradio_client(server, pictures):
    arguments = {"image_a": _data_url(pictures["clean"]), "image_b": _data_url(pictures["other"]), "resize": False}
    result = _mcp(server, lambda session: session.call_tool("compare", arguments))
    assert not result.isError, result.content
    text = " ".join(getattr(item, "text", "") for item in result.content)
    ssim_value, psnr_value = (float(number) for number in re.findall(r"-?\d+\.\d+", text)[:2])

    expected_ssim, expected_psnr, _, summary = Client(server, verbose=False).predict(
        image_a=handle_file(str(pictures["clean"])), image_b=handle_file(str(pictures["other"])), resize=False,
        api_name="/compare",
    )
    assert 0.0 < expected_ssim < 1.0 and 10.0 < expected_psnr < 40.0
    assert ssim_value == pytest.approx(expected_ssim, abs=1e-9) and psnr_value == pytest.approx(expected_psnr, abs=1e-9)
    assert summary in text
