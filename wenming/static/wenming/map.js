/* Maps on case pages. Coordinates arrive already in the tile datum (the server converts
   WGS-84 to GCJ-02 when the tiles are GCJ-02), so nothing is converted here. With no tile
   URL configured the point and boundaries are drawn on a plain background. */
(function () {
  "use strict";

  function baseMap(elementId, data) {
    // The zoom buttons' titles come from the page (base.html, the translation catalogue):
    // Leaflet's own are English.
    var labels = document.body.dataset;
    var map = L.map(elementId, { attributionControl: !!data.attribution, zoomControl: false });
    L.control.zoom({
      zoomInTitle: labels.zoomIn || "Zoom in",
      zoomOutTitle: labels.zoomOut || "Zoom out",
    }).addTo(map);
    if (data.tile_url) {
      L.tileLayer(data.tile_url, { attribution: data.attribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function drawShapes(map, shapes) {
    var layers = [];
    (shapes || []).forEach(function (s) {
      var layer = L.geoJSON(s.geometry, { style: { color: "#dc3545", weight: 2, fillOpacity: 0.05 } });
      if (s.name) { layer.bindTooltip(s.name); }
      layer.addTo(map);
      layers.push(layer);
    });
    return layers;
  }

  function caseMap(elementId, data) {
    var map = baseMap(elementId, data);
    map.setView(data.point, 16);  // a view must exist before vector layers are added
    var layers = drawShapes(map, data.shapes);
    var marker = L.circleMarker(data.point, { radius: 8, color: "#b02a37", fillOpacity: 0.8 }).addTo(map);
    var group = L.featureGroup(layers.concat([marker]));
    map.fitBounds(group.getBounds().pad(0.3), { maxZoom: 17 });
    return map;
  }

  /* A picker: click the map or use the device's GPS; writes lat/lon/datum inputs. GPS gives
     WGS-84, a click gives the tile datum; the form says which, the server converts. */
  function pickerMap(elementId, data, inputs) {
    var map = baseMap(elementId, data);
    map.setView([0, 0], 2);
    var outline = data.outline ? drawShapes(map, [{ geometry: data.outline, name: "" }])[0] : null;
    if (outline) { map.fitBounds(outline.getBounds()); } else { map.setView([36.45, 115.98], 11); }
    var marker = null;
    function place(lat, lon, datum, zoom) {
      inputs.lat.value = lat.toFixed(6);
      inputs.lon.value = lon.toFixed(6);
      inputs.datum.value = datum;
      var shown = [lat, lon];
      if (marker) { marker.setLatLng(shown); } else { marker = L.marker(shown).addTo(map); }
      if (zoom) { map.setView(shown, 16); }
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, data.datum, false); });
    if (inputs.lat.value && inputs.lon.value) {
      var lat = parseFloat(inputs.lat.value), lon = parseFloat(inputs.lon.value);
      if (!isNaN(lat) && !isNaN(lon) && !(lat === 0 && lon === 0)) {
        marker = L.marker([lat, lon]).addTo(map);
      }
    }
    if (inputs.gpsButton) {
      inputs.gpsButton.addEventListener("click", function () {
        if (!navigator.geolocation) { inputs.gpsStatus.textContent = inputs.gpsButton.dataset.unavailable; return; }
        inputs.gpsStatus.textContent = inputs.gpsButton.dataset.waiting;
        navigator.geolocation.getCurrentPosition(function (pos) {
          // The device reports WGS-84; the marker may look offset on GCJ-02 tiles until saved.
          place(pos.coords.latitude, pos.coords.longitude, "wgs84", true);
          inputs.gpsStatus.textContent = "";
        }, function (err) {
          inputs.gpsStatus.textContent = inputs.gpsButton.dataset.failed + " " + err.message;
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
    return map;
  }

  /* Category picker: filter by name, code or pinyin initials (e.g. "ltlh" finds 乱贴乱画). */
  function categoryPicker(input, hidden, list, categories) {
    function render(query) {
      var q = (query || "").trim().toLowerCase();
      list.innerHTML = "";
      var shown = 0;
      categories.forEach(function (c) {
        if (shown >= 50) { return; }
        var hay = [c.code, c.name, c.pinyin_initials || "", c.parent__name || ""].join(" ").toLowerCase();
        if (q && hay.indexOf(q) === -1) { return; }
        var item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action py-1";
        item.textContent = c.code + " " + c.name + (c.parent__name ? "（" + c.parent__name + "）" : "");
        item.dataset.id = c.id;
        item.addEventListener("click", function () {
          hidden.value = c.id;
          input.value = c.code + " " + c.name;
          list.innerHTML = "";
        });
        list.appendChild(item);
        shown += 1;
      });
    }
    input.addEventListener("input", function () { hidden.value = ""; render(input.value); });
    input.addEventListener("focus", function () { render(input.value); });
  }

  window.WenmingMap = { caseMap: caseMap, pickerMap: pickerMap, categoryPicker: categoryPicker };
})();
