"""Print one of README.md's two commands, so CI runs exactly what the README tells a newcomer.

    python tools/readme_command.py setup   # the first shell block under "Get started"
    python tools/readme_command.py test    # the second
"""
import re, sys
from pathlib import Path

def readme_commands(readme=Path(__file__).resolve().parents[1]/'README.md'):
    text = Path(readme).read_text()
    section = text.split('## Get started', 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'```sh\n(.*?)\n```', section, re.S)
    if len(blocks) != 2: sys.exit(f'README.md: expected 2 shell commands under "Get started", found {len(blocks)}')
    return dict(zip(('setup', 'test'), (b.strip() for b in blocks)))

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in ('setup', 'test'): sys.exit(__doc__)
    print(readme_commands()[sys.argv[1]])
