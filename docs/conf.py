"""Sphinx configuration of the docs site. Build it with `python tools/build_docs.py`, not sphinx-build alone:
that script first turns the notebooks into the pages this file expects (docs/<page>.ipynb, git-ignored).

The site has to work from a folder with the network off, so nothing here may make a page load anything from
another host: math is turned into MathML at build time instead of loading MathJax from a CDN, and
myst-nb's ipywidgets scripts (also from a CDN) are switched off.
"""
import re, sys
from pathlib import Path
from docutils import nodes
from nbdev.config import get_config
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'tools'))
from build_docs import EXTRA_PAGES  # noqa: E402  the pages besides the notebooks' (docs/<name>.md), named there once

DOC_URL = get_config().doc_host + get_config().doc_baseurl  # where nbdev's links to the docs point

project = 'mnist_fastai'
author = 'mnist_fastai developers'
copyright = '2026, mnist_fastai developers. MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0'

extensions = ['myst_nb']
root_doc = 'index'
# docs/ also holds other people's files (docs/node_modules, docs/_static/...): read only the pages named here
include_patterns = ['*.ipynb'] + [f'{n}.md' for n in EXTRA_PAGES]  # tools/build_docs.py writes the .ipynb pages
exclude_patterns = ['_build', 'node_modules', '**/.ipynb_checkpoints']

# --- notebooks: stored outputs only, never run
nb_execution_mode = 'off'
nb_merge_streams = True          # a training log printed in pieces reads as one block
nb_render_markdown_format = 'myst'  # show_doc's and the results table's markdown output: MyST, for the {.class} attributes
nb_ipywidgets_js = {}            # no require.js / widget manager from a CDN (no notebook has live widgets)
myst_enable_extensions = ['dollarmath', 'attrs_inline', 'attrs_block', 'colon_fence']
# inline HTML passes through as HTML (MyST's default): the questionnaires' <details><summary>Answer</summary>…
# </details> fold on the page (tests/test_docs_site.py checks it)
myst_heading_anchors = 3
# show_doc puts an H3 under the page's H1 (and its output is a nested parse): that is intended
suppress_warnings = ['myst.header']

# --- HTML
html_theme = 'sphinx_book_theme'
html_title = 'mnist_fastai'
html_static_path = ['_static']   # shared with the "draw a digit" page: docs/_static/draw/, docs/_static/vendor/
html_css_files = ['site.css']
html_favicon = 'favicon.svg'  # a local icon, or the browser asks the server for /favicon.ico
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    'repository_url': 'https://github.com/mnist-fastai/mnist_fastai',
    'use_repository_button': True,  # a plain link: the page fetches nothing from GitHub
    'use_download_button': False,
    'use_fullscreen_button': False,
    'show_toc_level': 2,
    'home_page_in_toc': True,
}
html_math_renderer = 'mathml'
# the notebooks' figures and tables are made for a light page (and unset, the theme logs a console error)
html_context = {'default_mode': 'light'}


# --- math as MathML: browsers render it natively, so no MathJax script (and no CDN) is needed
def _mathml(latex, display):
    from latex2mathml.converter import convert
    return convert(latex, display=display)

def _visit_math(self, node):
    self.body.append(_mathml(node.astext(), 'inline'))
    raise nodes.SkipNode

def _visit_displaymath(self, node):
    self.body.append(f'<div class="math-display">{_mathml(node["latex"], "block")}</div>')
    raise nodes.SkipNode


# --- links nbdev wrote to the hosted docs (`csv_dataloaders` → https://…/data.html#csv_dataloaders) become
# links within this site, to the section that show_doc made for that name; a missing target is a warning (so -W fails)
def _collect_ids(app, doctree):
    ids = getattr(app.env, 'mnist_fastai_ids', {})
    ids[app.env.docname] = {i for n in doctree.findall(nodes.Element) for i in n.get('ids', ())}
    # and the anchors tools/build_docs.py writes as raw HTML (<div id="arrayrows-batch">) for the names of taught code
    ids[app.env.docname] |= {i for n in doctree.findall(nodes.raw) if n.get('format') == 'html'
                             for i in re.findall(r'\bid="([^"]+)"', n.astext())}
    app.env.mnist_fastai_ids = ids

def _local_doc_links(app, doctree, docname):
    ids = app.env.mnist_fastai_ids
    for ref in doctree.findall(nodes.reference):
        uri = ref.get('refuri', '')
        if not uri.startswith(DOC_URL): continue
        page, _, frag = uri[len(DOC_URL):].lstrip('/').partition('#')
        target = (page or 'index.html').removesuffix('.html')
        if target not in app.env.all_docs:
            _warn(app, ref, f'link to a page this site does not have: {uri}'); continue
        anchor = nodes.make_id(frag) if frag else ''
        if anchor and anchor not in ids.get(target, ()):
            _warn(app, ref, f'link to a section that {target} does not have: {uri}'); anchor = ''
        ref['refuri'] = app.builder.get_relative_uri(docname, target) + (f'#{anchor}' if anchor else '')
        ref['internal'] = True

def _warn(app, node, msg):
    logging.getLogger('mnist_fastai.docs').warning(msg, location=node)

def setup(app):
    app.add_html_math_renderer('mathml', (_visit_math, None), (_visit_displaymath, None))
    app.connect('doctree-read', _collect_ids)
    app.connect('doctree-resolved', _local_doc_links)
