// Run by tests/test_layout_browser.py in the page: what is wider than the viewport or clips
// its content, as readable strings.
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el) +
    ' "' + (el.innerText || '').trim().slice(0, 40) + '"';
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  if (document.documentElement.scrollWidth > width + 1)
    problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('[hidden], .visually-hidden, template, svg, dialog:not([open])')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (!scrolls(el) && (box.right > width + 1 || box.left < -1))
      problems.push('wider than the viewport: ' + name(el) + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    const clips = ['hidden', 'clip'].includes(style.overflowX) || el.matches('td, th, .portal-nav a, h1, h2');
    if (clips && el.scrollWidth > el.clientWidth + 1 && !['auto', 'scroll'].includes(style.overflowX))
      problems.push('clips its content: ' + name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  return problems;
}
