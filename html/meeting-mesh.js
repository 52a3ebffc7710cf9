// meeting-mesh.js — the mesh of meeting.html: one RTCPeerConnection per other
// participant, negotiated through the meeting plugin's relayed
// webrtc-offer / webrtc-answer / ice-candidate requests (the seed's flow: the
// joiner offers to everyone already there, the others answer). Candidates that
// arrive before their remote description wait in a queue.
//
//   const mesh = new Mesh({ roomId, send, onTrack, onChange });
//   mesh.setLocalStream(stream); mesh.setIceServers(list);
//   mesh.connect(userId, true, peerId);              // we offer
//   mesh.onOffer(from, offer, fromPeerId) / onAnswer(from, answer) / onCandidate(from, c, fromPeerId);
//   mesh.has(userId, peerId)                         // a connection to that very peer exists
//
// peerId names one connection of a user: a user who rejoins gets a new one,
// and what belongs to the old one is dropped. An offer may arrive before the
// participant-joined event of its sender; the connection it creates is kept.
//   mesh.close(userId); mesh.closeAll();
//   await mesh.replaceVideo(track);                  // screen share and back
//   await mesh.stats();  → {userId: {framesDecoded, bytesReceived, state}}

export class Mesh {
	constructor({ roomId, send, onTrack, onChange }) {
		this.roomId = roomId;
		this.send = send;           // (request, body) → Promise
		this.onTrack = onTrack;     // (userId, MediaStream)
		this.onChange = onChange;   // (userId, connectionState)
		this.peers = new Map();     // userId → {pc, queue, stream}
		this.iceServers = [];
		this.localStream = null;
		this.videoOverride = null; // a screen track sent instead of the camera
	}

	setLocalStream(stream) { this.localStream = stream; }

	/** The list from the ice-servers event, used by connections made later. */
	setIceServers(list) { this.iceServers = Array.isArray(list) ? list : []; }

	/** A fresh connection to userId (an old one is closed first); when
	 * `initiator`, an offer is made and relayed. */
	connect(userId, initiator, peerId = null) {
		this.close(userId);
		const pc = new RTCPeerConnection({ iceServers: this.iceServers });
		const peer = { pc, peerId, queue: [], stream: new MediaStream() };
		this.peers.set(userId, peer);
		if (this.localStream) {
			for (const track of this.localStream.getTracks()) {
				const sent = track.kind === 'video' && this.videoOverride ? this.videoOverride : track;
				const sender = pc.addTrack(sent, this.localStream);
				if (track.kind === 'video') peer.videoSender = sender;
			}
		} else {
			pc.addTransceiver('audio', { direction: 'recvonly' });
			pc.addTransceiver('video', { direction: 'recvonly' });
		}
		pc.addEventListener('icecandidate', (ev) => {
			if (!ev.candidate) return;
			this.send('ice-candidate', { roomId: this.roomId, targetUserId: userId, candidate: ev.candidate.toJSON() })
				.catch((e) => console.warn(`ice-candidate to ${userId}: ${e.message}`));
		});
		pc.addEventListener('track', (ev) => {
			const stream = ev.streams[0] || peer.stream;
			if (!ev.streams[0]) peer.stream.addTrack(ev.track);
			peer.stream = stream;
			this.onTrack(userId, stream);
		});
		pc.addEventListener('connectionstatechange', () => this.onChange(userId, pc.connectionState));
		if (initiator) this.offer(userId).catch((e) => console.error(`offer to ${userId}: ${e.message}`));
		return peer;
	}

	async offer(userId) {
		const peer = this.peers.get(userId);
		const offer = await peer.pc.createOffer();
		await peer.pc.setLocalDescription(offer);
		await this.send('webrtc-offer', { roomId: this.roomId, targetUserId: userId, offer: { type: 'offer', sdp: peer.pc.localDescription.sdp } });
	}

	has(userId, peerId) {
		const peer = this.peers.get(userId);
		return !!peer && !!peerId && peer.peerId === peerId;
	}

	/** The connection for a message from (userId, peerId): the current one,
	 * or a fresh one when there is none or it belongs to an older peerId. */
	peerFor(userId, peerId) {
		const peer = this.peers.get(userId);
		if (peer && (!peerId || !peer.peerId || peer.peerId === peerId)) {
			peer.peerId ??= peerId || null;
			return peer;
		}
		return this.connect(userId, false, peerId || null);
	}

	async onOffer(from, offer, fromPeerId) {
		const peer = this.peerFor(from, fromPeerId);
		await peer.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
		await this.flush(peer);
		const answer = await peer.pc.createAnswer();
		await peer.pc.setLocalDescription(answer);
		await this.send('webrtc-answer', { roomId: this.roomId, targetUserId: from, answer: { type: 'answer', sdp: peer.pc.localDescription.sdp } });
	}

	async onAnswer(from, answer) {
		const peer = this.peers.get(from);
		if (!peer || peer.pc.signalingState !== 'have-local-offer') {
			console.warn(`an answer from ${from} that no offer waits for`);
			return;
		}
		await peer.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
		await this.flush(peer);
	}

	async onCandidate(from, candidate, fromPeerId) {
		const peer = this.peerFor(from, fromPeerId);
		if (!peer.pc.remoteDescription) {
			if (peer.queue.length < 200) peer.queue.push(candidate);
			return;
		}
		await peer.pc.addIceCandidate(candidate).catch((e) => console.warn(`candidate from ${from}: ${e.message}`));
	}

	async flush(peer) {
		for (const c of peer.queue.splice(0)) {
			await peer.pc.addIceCandidate(c).catch((e) => console.warn(`queued candidate: ${e.message}`));
		}
	}

	close(userId) {
		const peer = this.peers.get(userId);
		if (!peer) return;
		peer.pc.close();
		this.peers.delete(userId);
	}

	closeAll() {
		for (const id of [...this.peers.keys()]) this.close(id);
	}

	/** Sends `track` instead of the current video on every connection. */
	/** `track` null: back to the local stream's video. */
	async replaceVideo(track) {
		this.videoOverride = track;
		const sent = track || this.localStream?.getVideoTracks()[0] || null;
		for (const peer of this.peers.values()) {
			if (peer.videoSender) await peer.videoSender.replaceTrack(sent);
		}
	}

	async stats() {
		const out = {};
		for (const [userId, { pc }] of this.peers) {
			const entry = { framesDecoded: 0, bytesReceived: 0, audioSamples: 0, state: pc.connectionState };
			const report = await pc.getStats();
			report.forEach((s) => {
				if (s.type !== 'inbound-rtp') return;
				if (s.kind === 'video') {
					entry.framesDecoded += s.framesDecoded || 0;
					entry.bytesReceived += s.bytesReceived || 0;
				} else if (s.kind === 'audio') {
					entry.audioSamples += s.totalSamplesReceived || 0;
				}
			});
			out[userId] = entry;
		}
		return out;
	}
}
