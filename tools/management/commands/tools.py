"""`manage.py tools list|ingest-openapi|ingest-mcp|activate|call|sandbox-check` — operators' CLI.

Bad input gets one clear line on stderr and a non-zero exit (CommandError), never a traceback.
"""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools import services
from tools.ingest.openapi import IngestRejected
from tools.models import ToolVersion
from tools.registry import ToolError, UnknownTool
from tools.sandbox import SandboxLimits, run_code

# What `sandbox-check` tries: name -> code. Each must be contained; the table says by which rule.
ESCAPES = {
    "socket to an undeclared host": "import socket\ndef run(a, http):\n    socket.create_connection(('127.0.0.1', 6379), 2)",
    "raw socket around the guard": "import _socket\ndef run(a, http):\n    _socket.socket().connect(('127.0.0.1', 6379))",
    "read outside the scratch dir": "def run(a, http):\n    return open('/etc/passwd').read()",
    "write 10 GB": "def run(a, http):\n    f = open('big', 'wb')\n    while True:\n        f.write(b'x' * (1 << 20))",
    "fork bomb": "import os\ndef run(a, http):\n    while True:\n        os.fork()",
    "allocate 20 GB": "def run(a, http):\n    return len(bytearray(20 * 2**30))",
    "loop forever": "def run(a, http):\n    while True:\n        pass",
    "read the environment": "import os\ndef run(a, http):\n    return sorted(os.environ)",
}


class Command(BaseCommand):
    help = "List, ingest, activate and call tools; check the sandbox."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        actions.add_parser("list", help="every tool version", called_from_command_line=True)
        openapi = actions.add_parser("ingest-openapi", help="OpenAPI 3 URL or file -> candidates", called_from_command_line=True)
        openapi.add_argument("source")
        openapi.add_argument("--family", default="")
        mcp = actions.add_parser("ingest-mcp", help="MCP server command (stdio) -> candidates", called_from_command_line=True)
        mcp.add_argument("--family", required=True)
        mcp.add_argument("server", nargs="+", help="the command and its arguments (put them after --)")
        activate = actions.add_parser("activate", help="make a version active (revert)", called_from_command_line=True)
        activate.add_argument("name")
        activate.add_argument("version", type=int)
        call = actions.add_parser("call", help="call a tool's active version", called_from_command_line=True)
        call.add_argument("name")
        call.add_argument("arguments", help="JSON object")
        actions.add_parser("sandbox-check", help="try each escape and show what held", called_from_command_line=True)

    def handle(self, *args, **options) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except (services.ToolServiceError, IngestRejected, ToolError, UnknownTool) as error:
            raise CommandError(str(error)) from None

    def do_list(self, options: dict) -> None:
        for version in ToolVersion.objects.select_related("tool").order_by("tool__name", "number"):
            self.stdout.write(f"{version.tool.name:40} v{version.number:<3} {version.status:9} {version.tool.kind:8} "
                              f"{version.created_by}: {version.why[:60]}")

    def do_ingest_openapi(self, options: dict) -> None:
        source = options["source"]
        if source.startswith(("http://", "https://")):
            versions = services.ingest_openapi(url=source, by="operator:cli", family=options["family"])
        else:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"{source} is neither an http(s) URL nor a file")
            versions = services.ingest_openapi(document=path.read_bytes(), by="operator:cli", family=options["family"])
        for version in versions:
            self.stdout.write(f"candidate {version.tool.name} v{version.number}")

    def do_ingest_mcp(self, options: dict) -> None:
        for version in services.ingest_mcp_server(options["server"], family=options["family"], by="operator:cli"):
            self.stdout.write(f"candidate {version.tool.name} v{version.number}")

    def do_activate(self, options: dict) -> None:
        version = ToolVersion.objects.filter(tool__name=options["name"], number=options["version"]).first()
        if version is None:
            raise CommandError(f"there is no version {options['version']} of tool {options['name']!r}")
        services.activate_version(version.pk, by="operator:cli", why="activated from the CLI")
        self.stdout.write(f"{options['name']} v{options['version']} is now active")

    def do_call(self, options: dict) -> None:
        try:
            arguments = json.loads(options["arguments"])
        except ValueError as error:
            raise CommandError(f"arguments must be a JSON object: {error}") from None
        if not isinstance(arguments, dict):
            raise CommandError("arguments must be a JSON object")
        registry = services.registry_for_run(None)
        self.stdout.write(json.dumps(registry.call(options["name"], arguments).result, indent=2))

    def do_sandbox_check(self, options: dict) -> None:
        limits = SandboxLimits(cpu_seconds=1, wall_seconds=5, memory_mb=256, file_mb=4, scratch_mb=16, processes=8)
        for name, code in ESCAPES.items():
            report = run_code(code, {}, limits=limits)
            held = report.limit or ("clean environment: " + ", ".join(report.result) if report.ok else report.error_type)
            self.stdout.write(f"{name:30} contained: {held:45} {report.duration:5.2f} s  [{report.isolation['mode']}]")
