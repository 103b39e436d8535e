"""A block explorer's verification API on loopback, as `ape run verify` meets Etherscan's: it
recompiles the standard JSON input it receives (with the project's solc) and passes a contract
only if that code, followed by the constructor arguments it was sent, is the input of the
transaction that created the address on the node. It answers `getcontractcreation` from the
node too. For tests: one thread, verdicts kept in memory."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from edgeledger.errors import EdgeledgerError
from edgeledger.verify import Submission, recompiled


class ExplorerStub:
    def __init__(self, node_uri: str) -> None:
        self.node_uri = node_uri
        self.verdicts: dict[str, str] = {}
        self.received: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(parse_qs(urlsplit(self.path).query, keep_blank_values=True))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self._answer(parse_qs(self.rfile.read(length).decode(), keep_blank_values=True))

            def _answer(self, query: dict[str, list[str]]) -> None:
                fields = {k: v[0] for k, v in query.items()}
                body = json.dumps(stub.handle(fields)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ExplorerStub:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _node(self, method: str, params: list[Any]) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return requests.post(self.node_uri, json=body, timeout=30).json().get("result")

    def handle(self, fields: dict[str, str]) -> dict[str, Any]:
        action = fields.get("action")
        if action == "getcontractcreation":
            creator = self._node("ots_getContractCreator", [fields["contractaddresses"]])
            if not creator:
                return {"status": "0", "message": "NOTOK", "result": None}
            return {"status": "1", "message": "OK", "result": [{"txHash": creator["hash"]}]}
        if action == "verifysourcecode":
            self.received.append(fields)
            guid = uuid.uuid4().hex
            self.verdicts[guid] = self._verdict(fields)
            return {"status": "1", "message": "OK", "result": guid}
        if action == "checkverifystatus":
            return {"status": "1", "message": "OK", "result": self.verdicts[fields["guid"]]}
        return {"status": "0", "message": "NOTOK", "result": f"unknown action {action}"}

    def _verdict(self, fields: dict[str, str]) -> str:
        creator = self._node("ots_getContractCreator", [fields["contractaddress"]])
        if not creator:
            return "Fail - Unable to verify: no contract at that address"
        sent = self._node("eth_getTransactionByHash", [creator["hash"]])["input"]
        request = Submission(
            contract=fields["contractname"],
            compiler=fields["compilerversion"],
            standard_input=json.loads(fields["sourceCode"]),
            constructor_arguments=fields["constructorArguements"],
        )
        try:
            output = recompiled(request)
        except (EdgeledgerError, KeyError) as error:
            return f"Fail - Unable to verify: {error}"
        code = output["evm"]["bytecode"]["object"] + fields["constructorArguements"]
        if "0x" + code != sent:
            return "Fail - Unable to verify: the compiled code is not the creation code"
        return "Pass - Verified"
