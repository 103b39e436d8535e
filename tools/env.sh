# Sourced by the Makefile and by .venv/bin/activate: the project's own tools first on PATH,
# and the solcjs bridge as py-solc-x's compiler folder unless a native solc is there.
_edgeledger_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export PATH="$_edgeledger_root/tools/bin:$_edgeledger_root/.venv/bin:$_edgeledger_root/node_modules/.bin:$PATH"
if [ -z "${SOLCX_BINARY_PATH:-}" ] && [ ! -x "$HOME/.solcx/solc-v0.8.28" ]; then
  export SOLCX_BINARY_PATH="$_edgeledger_root/tools/solc-bridge"
fi
unset _edgeledger_root
