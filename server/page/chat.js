// The chat page: shows which replica this page is connected to and, for each message, the
// replica it was sent through, so two windows on two replicas show the backplane at work.
(() => {
  const element = (id) => document.getElementById(id);
  const state = { replica: null, room: null, name: null };

  const socket = io({ transports: ['websocket'] });

  const showError = (text) => {
    element('error').textContent = text;
  };

  const setSending = (enabled) => {
    element('text').disabled = !enabled;
    element('send-form').querySelector('button').disabled = !enabled;
  };

  const join = (room) => {
    socket.emit('join', room, (response) => {
      if (!response.ok) {
        showError(`Could not join: ${response.error.message}`);
        return;
      }
      state.room = room;
      element('current-room').textContent = `in ${room}`;
      setSending(true);
      showError('');
    });
  };

  socket.on('welcome', (welcome) => {
    state.replica = welcome.replica;
    element('own-replica').textContent = welcome.replica;
    element('status').textContent = `(${welcome.adapter} backplane, version ${welcome.version})`;
    // After a reconnection, possibly to another replica, join the room again.
    if (state.room !== null) {
      join(state.room);
    }
  });

  socket.on('disconnect', () => {
    element('status').textContent = 'disconnected, reconnecting…';
    setSending(false);
  });

  socket.on('chat', (delivery) => {
    const item = document.createElement('li');
    const author = typeof delivery.message.name === 'string' ? delivery.message.name : 'anonymous';
    const text = document.createElement('div');
    text.textContent = `${author}: ${delivery.message.text}`;
    const meta = document.createElement('div');
    meta.className = delivery.origin === state.replica ? 'meta' : 'meta cross';
    meta.dataset.origin = delivery.origin;
    meta.dataset.deliveredBy = state.replica;
    meta.textContent = `sent via ${delivery.origin}, delivered by ${state.replica}`;
    item.append(text, meta);
    element('messages').append(item);
    item.scrollIntoView({ block: 'nearest' });
  });

  element('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.name = element('name').value.trim();
    const room = element('room').value.trim();
    if (state.room !== null && state.room !== room) {
      socket.emit('leave', state.room);
    }
    join(room);
  });

  element('send-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = element('text').value;
    const message = { text, name: state.name };
    socket.emit('chat', state.room, message, (response) => {
      if (!response.ok) {
        showError(`Not sent: ${response.error.message}`);
        return;
      }
      const item = document.createElement('li');
      item.textContent = `you: ${text}`;
      element('messages').append(item);
      element('text').value = '';
    });
  });
})();
