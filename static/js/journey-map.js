// Journey map: drag a stage (by its handle) or a touchpoint card to reorder; the new order is
// posted to the server, which answers with the order it stored. The ◀ ▶ ▲ ▼ buttons do the same
// without JavaScript. On any error the page reloads to show what the server holds.
(() => {
  const map = document.getElementById("journey-map");
  if (!map || !map.dataset.stageOrderUrl) return;
  const csrf = map.querySelector("#map-csrf [name=csrfmiddlewaretoken]").value;
  let dragged = null;

  async function postOrder(url, ids) {
    const body = new FormData();
    ids.forEach((id) => body.append("order", id));
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      map.dispatchEvent(new CustomEvent("journey:ordered", { detail: await response.json() }));
    } catch (error) {
      window.location.reload();
    }
  }

  const stages = () => [...map.querySelectorAll(".stage")];
  const cardsOf = (list) => [...list.querySelectorAll(".tp-card")];

  function after(elements, coordinate, horizontal) {
    // The element the dragged one goes before, from the pointer position.
    return elements.find((element) => {
      const box = element.getBoundingClientRect();
      const middle = horizontal ? box.left + box.width / 2 : box.top + box.height / 2;
      return coordinate < middle;
    });
  }

  map.addEventListener("dragstart", (event) => {
    const handle = event.target.closest(".drag-handle");
    const card = event.target.closest(".tp-card");
    if (handle) dragged = { kind: "stage", element: handle.closest(".stage") };
    else if (card) dragged = { kind: "card", element: card };
    else return;
    dragged.element.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.element.id);
    if (handle) event.dataTransfer.setDragImage(dragged.element, 20, 20);
  });

  map.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const stage = event.target.closest(".stage");
    if (!stage) return;
    event.preventDefault();
    if (dragged.kind === "stage") {
      if (stage === dragged.element) return;
      const others = stages().filter((s) => s !== dragged.element);
      const before = after(others, event.clientX, true);
      map.insertBefore(dragged.element, before || null);
    } else {
      const list = stage.querySelector(".touchpoints");
      const others = cardsOf(list).filter((c) => c !== dragged.element);
      const before = after(others, event.clientY, false);
      list.insertBefore(dragged.element, before || null);
      list.querySelectorAll(".tp-empty").forEach((item) => item.remove());
    }
  });

  map.addEventListener("drop", (event) => {
    if (dragged) event.preventDefault();
  });

  map.addEventListener("dragend", () => {
    if (!dragged) return;
    const { kind, element } = dragged;
    element.classList.remove("dragging");
    dragged = null;
    if (kind === "stage") {
      postOrder(map.dataset.stageOrderUrl, stages().map((s) => s.dataset.stageId));
      stages().forEach((stage, index) => {
        const number = stage.querySelector(".stage-number");
        if (number) number.textContent = index + 1;
      });
      return;
    }
    // One post: the server moves a card listed from another stage and closes the gap there.
    const to = element.closest(".stage");
    postOrder(
      to.dataset.touchpointOrderUrl,
      cardsOf(to).map((card) => card.dataset.touchpointId),
    );
  });
})();
