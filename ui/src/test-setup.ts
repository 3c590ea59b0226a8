// Component tests run against the mock platform in jsdom; jsdom lacks a few browser APIs the
// app touches.
if (!Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function scrollTo() {};
}
