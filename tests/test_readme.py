"""The README's commands are the ones CI runs, and its engine example runs."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_readme_opens_with_two_setup_commands_and_ci_runs_the_test_one():
    first, second = (b.strip() for b in _bash_blocks()[:2])
    assert "demos/quickstart_ring.py" in first and (ROOT / "demos/quickstart_ring.py").exists()
    install_and_test = second.split("&& ", 2)[-1]       # after venv creation and activation
    assert install_and_test in (ROOT / ".ci/run").read_text()


def test_readme_python_example_runs():
    code = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)[0]
    exec(compile(code, "README.md", "exec"), {})
