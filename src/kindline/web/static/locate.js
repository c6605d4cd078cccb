/* "用我现在的位置查找" on the portal hall finder. The page works without this
   script (the address form); with it, the hidden location form is shown and,
   when pressed, asks the browser for its position, fills lat/lon and submits.
   Any refusal or failure is written on the page (never a pop-up). */
(function () {
  "use strict";
  var form = document.getElementById("locate-form");
  if (!form || !navigator.geolocation) { return; }
  var status = document.getElementById("locate-status");
  var WHY = { 1: "您没有允许使用位置，请改用上面的地址查找。", 2: "暂时无法确定您的位置，请改用地址查找。",
              3: "定位时间太长，请再试一次或改用地址查找。" };
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    if (form.elements.lat.value && form.elements.lon.value) { return; }
    event.preventDefault();
    status.textContent = "正在确定您的位置……";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(5);
      form.elements.lon.value = position.coords.longitude.toFixed(5);
      status.textContent = "已确定位置，正在查找……";
      form.submit();
    }, function (error) {
      status.textContent = WHY[error.code] || WHY[2];
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
}());
